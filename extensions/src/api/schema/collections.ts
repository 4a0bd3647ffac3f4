// The collections and tables this extension owns. The installer creates what is missing and adds
// missing fields to existing ones, so later versions extend this list in place. The delivery log
// (deliveries, attempts) is tables without a Directus collection (`meta: null`): Directus 12's
// licence counts collections, and the log is read only through /webhooks/:id/deliveries anyway.
import { PAYLOAD_MODES, WEBHOOK_ACTIONS, WEBHOOK_METHODS } from '../../shared/webhook';
import { ACTION_LABELS } from '../../shared/webhook-actions';
import { PRESETS, WEBHOOK_PRESETS } from '../../shared/webhook-presets';
import { ATTEMPTS_COLLECTION, DELIVERIES_COLLECTION, ENDPOINTS_COLLECTION, GROUP_COLLECTION, MODULE_ID, OUTGOING_COLLECTION } from '../../shared/collections';
import { AUTH_PRESETS, ENDPOINT_DEFAULTS, ENDPOINT_METHODS, ENDPOINT_STATUSES, MAPPING_TYPES, RESPONSE_STATUSES } from '../../shared/inbound-endpoint';
import { DELIVERY_STATUSES } from '../../shared/delivery';
import type { CollectionDefinition, FieldType } from './definition';
import { HEADER_SUBFIELDS, choices, field, listField, names, primaryKey, timestamps } from './fields';

const group: CollectionDefinition = {
	collection: GROUP_COLLECTION,
	schema: null,
	meta: {
		icon: 'webhook',
		color: '#6644FF',
		note: 'Managed webhooks: outgoing webhooks and incoming endpoints',
		collapse: 'open',
		sort: 100,
	},
	fields: [],
};

// Outgoing webhooks and incoming endpoints share their two statuses.
const STATUSES = ENDPOINT_STATUSES;

const jsonCode = (name: string, meta: Record<string, unknown> = {}) =>
	field(name, 'json', { special: ['cast-json'], interface: 'input-code', options: { language: 'json' }, ...meta });

const statusField = (sort: number, note: string) =>
	field(
		'status',
		'string',
		{
			interface: 'select-dropdown',
			options: { choices: choices(STATUSES) },
			display: 'labels',
			display_options: {
				choices: [
					{ text: 'Active', value: 'active', foreground: '#FFFFFF', background: '#2ECDA7' },
					{ text: 'Inactive', value: 'inactive', foreground: '#FFFFFF', background: '#A2B5CD' },
				],
			},
			width: 'half',
			sort,
			note,
		},
		{ is_nullable: false, default_value: 'active', max_length: 32 },
	);

const outgoing: CollectionDefinition = {
	collection: OUTGOING_COLLECTION,
	schema: {},
	meta: {
		icon: 'send',
		note: 'Outgoing webhooks: HTTP requests sent when items are created, updated or deleted. Manage them in the Webhooks module (/admin/webhooks): it shows a new webhook\'s signing secret once.',
		...names('Outgoing webhook', 'Outgoing webhooks'),
		group: GROUP_COLLECTION,
		sort: 1,
		display_template: '{{name}}',
		sort_field: null,
		// Revisions would keep secret header values in clear: record activity only.
		accountability: 'activity',
	},
	fields: [
		primaryKey(),
		field(
			'name',
			'string',
			{ interface: 'input', required: true, width: 'half', sort: 1, note: 'Shown in lists and in notifications' },
			{ is_nullable: false, max_length: 255 },
		),
		statusField(2, 'Inactive webhooks send nothing; failing webhooks are set inactive automatically'),
		field('description', 'text', { interface: 'input-multiline', sort: 3, note: 'What this webhook is for' }),
		field(
			'method',
			'string',
			{
				interface: 'select-dropdown',
				options: { choices: WEBHOOK_METHODS.map((value) => ({ text: value, value })) },
				width: 'half',
				sort: 4,
			},
			{ is_nullable: false, default_value: 'POST', max_length: 10 },
		),
		field(
			'url',
			'text',
			{
				interface: 'input',
				options: { placeholder: 'https://example.com/webhooks/directus', font: 'monospace' },
				required: true,
				width: 'half',
				sort: 5,
				note: 'Absolute http(s) URL of the receiver',
			},
			{ is_nullable: false },
		),
		field(
			'actions',
			'csv',
			{
				special: ['cast-csv'],
				interface: 'select-multiple-checkbox',
				options: { choices: WEBHOOK_ACTIONS.map((value) => ({ text: ACTION_LABELS[value], value })) },
				display: 'labels',
				required: true,
				width: 'half',
				sort: 6,
				note: 'Item events that trigger this webhook',
			},
			{ is_nullable: false },
		),
		field(
			'collections',
			'csv',
			{
				special: ['cast-csv'],
				interface: 'system-collections',
				options: { includeSystem: true },
				display: 'labels',
				required: true,
				width: 'half',
				sort: 7,
				note: 'Collections whose items trigger this webhook',
			},
			{ is_nullable: false },
		),
		field(
			'data',
			'boolean',
			{
				special: ['cast-boolean'],
				interface: 'boolean',
				options: { label: 'Send a body' },
				width: 'half',
				sort: 8,
				note: 'Off: the request carries no body, only the headers',
			},
			{ is_nullable: false, default_value: true },
		),
		field(
			'payload',
			'string',
			{
				interface: 'select-dropdown',
				options: {
					choices: [
						{ text: 'Event (legacy Directus webhook body)', value: PAYLOAD_MODES[0] },
						{ text: 'Full item, read at delivery time', value: PAYLOAD_MODES[1] },
					],
				},
				width: 'half',
				sort: 9,
			},
			{ is_nullable: false, default_value: 'event', max_length: 16 },
		),
		listField(
			'headers',
			'{{ header }}',
			[...HEADER_SUBFIELDS, { field: 'secret', name: 'Secret', type: 'boolean', meta: { interface: 'boolean', width: 'half', note: 'Masked when read back' } }],
			{ sort: 10, note: 'Extra request headers; mark credentials as secret' },
		),
		field('filter', 'json', {
			special: ['cast-json'],
			interface: 'input-code',
			options: { language: 'json' },
			sort: 11,
			note: 'Optional Directus filter rules the item must match',
		}),
		// Numbered after the existing fields rather than renumbering them; the module's drawer shows it next to filter.
		field('previous_filter', 'json', {
			special: ['cast-json'],
			interface: 'input-code',
			options: { language: 'json' },
			sort: 27,
			note: 'Optional Directus filter rules: an update fires only for items that matched these just before it (a transition, e.g. from draft)',
		}),
		field('watch_fields', 'csv', {
			special: ['cast-csv'],
			interface: 'tags',
			width: 'half',
			sort: 12,
			note: 'Updates fire only when one of these fields changed (empty: any change)',
		}),
		field('fields', 'csv', {
			special: ['cast-csv'],
			interface: 'tags',
			width: 'half',
			sort: 13,
			note: 'Fields of the item to send (empty: all readable fields)',
		}),
		field('item_role', 'uuid', {
			interface: 'input',
			width: 'half',
			sort: 14,
			note: 'Role whose permissions read the item for the full-item payload (empty: admin)',
		}),
		field(
			'include_previous',
			'boolean',
			{
				special: ['cast-boolean'],
				interface: 'boolean',
				options: { label: 'Send previous values' },
				width: 'half',
				sort: 15,
				note: 'On update and delete, also send the values the item had before',
			},
			{ is_nullable: false, default_value: false },
		),
		field(
			'group_nested',
			'boolean',
			{
				special: ['cast-boolean'],
				interface: 'boolean',
				options: { label: 'One delivery per parent edit' },
				width: 'half',
				sort: 15,
				note: 'Related items created, changed or removed inside an edit of an item (O2M, M2M) go as one delivery of that item, listing their keys, instead of one delivery each',
			},
			{ is_nullable: false, default_value: false },
		),
		field(
			'record_while_inactive',
			'boolean',
			{
				special: ['cast-boolean'],
				interface: 'boolean',
				options: { label: 'Record events while inactive' },
				width: 'half',
				sort: 15,
				note: 'While the webhook is inactive or disabled, its events are still logged (not sent), so they can be sent later with "Send what was missed"',
			},
			{ is_nullable: false, default_value: true },
		),
		field('body_template', 'text', {
			interface: 'input-code',
			sort: 22,
			note: 'The body as a template with {{ event }}, {{ payload.title }}, {{ item.* }} … placeholders (empty: the default body). With a JSON content type values are inserted JSON-escaped.',
		}),
		field('content_type', 'string', { interface: 'input', width: 'half', sort: 23, options: { placeholder: 'application/json', font: 'monospace' } }, { is_nullable: false, default_value: 'application/json', max_length: 255 }),
		field(
			'debounce_seconds',
			'integer',
			{ interface: 'input', width: 'half', sort: 24, note: 'Coalesce events into one delivery sent after this many quiet seconds (0: one delivery per event)' },
			{ is_nullable: false, default_value: 0 },
		),
		field('debounce_max_seconds', 'integer', { interface: 'input', width: 'half', sort: 25, note: 'Send a coalesced delivery at the latest this long after its first event (empty: 10x the debounce)' }),
		field(
			'preset',
			'string',
			{ interface: 'select-dropdown', options: { choices: WEBHOOK_PRESETS.map((value) => ({ text: PRESETS[value].label, value })) }, width: 'half', sort: 26, note: 'The receiver shape this webhook started from' },
			{ max_length: 32 },
		),
		field('secret', 'text', {
			special: ['conceal'],
			interface: 'input-hash',
			options: { masked: true },
			readonly: true,
			hidden: true,
			sort: 16,
			note: 'Signing secret, encrypted; shown once on creation and rotation',
		}),
		field('secret_previous', 'text', { special: ['conceal'], interface: 'input-hash', readonly: true, hidden: true, sort: 17 }),
		field('secret_unseen', 'uuid', {
			interface: 'input',
			readonly: true,
			hidden: true,
			sort: 21,
			note: 'Set on a create without a given secret (the Data Studio): the user who may see the generated secret once on the webhook page',
		}),
		// The Data Studio cannot show a secret: its item page sends users to the module, which does.
		{
			field: 'manage',
			type: 'alias',
			meta: {
				special: ['alias', 'no-data'],
				interface: 'presentation-links',
				options: { links: [{ label: 'Open in the Webhooks module: signing secret, Rotate secret, deliveries', icon: 'webhook', type: 'primary', url: `/${MODULE_ID}/outgoing/{{id}}` }] },
				sort: 0,
				width: 'full',
			},
			schema: null,
		},
		field('secret_previous_expires', 'bigInteger', { interface: 'input', readonly: true, hidden: true, sort: 18, note: 'Epoch milliseconds' }),
		field('disabled_reason', 'text', {
			interface: 'input-multiline',
			readonly: true,
			sort: 19,
			note: 'Why the webhook was disabled automatically',
		}),
		field('failing_since', 'bigInteger', {
			interface: 'input',
			readonly: true,
			width: 'half',
			sort: 20,
			note: 'Epoch milliseconds of the first failure in the current run of failures',
		}),
		// Each alert once per run of failures, across instances (webhook-health): cleared on recovery.
		field('warned_at', 'bigInteger', { interface: 'input', readonly: true, hidden: true, note: 'Epoch milliseconds admins were warned that the webhook will be disabled' }),
		field('exhausted_at', 'bigInteger', { interface: 'input', readonly: true, hidden: true, note: 'Epoch milliseconds admins were told a delivery ran out of retries' }),
		...timestamps(),
		// Deliveries send only what both may read (admins: everything); Directus fills them on every write.
		field('user_created', 'uuid', { special: ['user-created'], interface: 'input', readonly: true, width: 'half', note: 'Owner: the user who created the webhook' }),
		field('user_updated', 'uuid', { special: ['user-updated'], interface: 'input', readonly: true, width: 'half', note: 'The user who last changed the webhook' }),
		// Kept across later admin edits (user_updated is not), so those never lift a delegate's limits.
		field('scope_owner', 'uuid', { interface: 'input', readonly: true, width: 'half', note: 'The last non-admin who changed the webhook: deliveries stay limited to what they may read until an admin changes the URL' }),
		// The drawer's "Delivery" section: how fast and in what order requests go.
		{
			field: 'delivery_section',
			type: 'alias',
			meta: { special: ['alias', 'no-data'], interface: 'presentation-divider', options: { title: 'Delivery', icon: 'speed', inlineTitle: true }, sort: 28, width: 'full' },
			schema: null,
		},
		field('rate_limit_per_second', 'integer', { interface: 'input', width: 'half', sort: 29, options: { min: 1, placeholder: 'No limit' }, note: 'At most this many requests per second, across all instances (empty: no limit); more wait, none are dropped' }),
		field(
			'ordered',
			'boolean',
			{ special: ['cast-boolean'], interface: 'boolean', options: { label: 'One at a time per item' }, width: 'half', sort: 30, note: 'Deliveries of the same item go one at a time, in the order their events were committed' },
			{ is_nullable: false, default_value: false },
		),
		// The rate limit's shared state: when the next request may go (epoch microseconds; throttle-store).
		field('throttle_next_slot', 'bigInteger', { hidden: true, readonly: true }),
	],
};

const readonlyField = (name: string, type: FieldType, meta: Record<string, unknown> = {}, schema: Record<string, unknown> = {}) =>
	field(name, type, { interface: 'input', readonly: true, width: 'half', ...meta }, schema);

// The outbox: one row per webhook and event, written before anything is sent. A table without a
// collection row (installed as one by earlier versions: the installer removes that row).
const deliveries: CollectionDefinition = {
	collection: DELIVERIES_COLLECTION,
	schema: {},
	meta: null,
	fields: [
		primaryKey(),
		readonlyField('webhook', 'integer', { note: 'Outgoing webhook id' }, { is_indexed: true }),
		readonlyField('message_id', 'string', { note: 'webhook-id header: the same on every attempt' }, { max_length: 64, is_unique: true }),
		readonlyField('event', 'string', {}, { max_length: 128 }),
		readonlyField('collection', 'string', {}, { max_length: 64 }),
		readonlyField('item_key', 'string', {}, { max_length: 255 }),
		field('event_data', 'json', { special: ['cast-json'], interface: 'input-code', options: { language: 'json' }, readonly: true }),
		field(
			'status',
			'string',
			{
				interface: 'select-dropdown',
				options: { choices: choices(DELIVERY_STATUSES) },
				display: 'labels',
				readonly: true,
				width: 'half',
			},
			{ is_nullable: false, default_value: 'pending', max_length: 16, is_indexed: true },
		),
		readonlyField('attempts', 'integer', {}, { is_nullable: false, default_value: 0 }),
		readonlyField('next_attempt_at', 'bigInteger', { note: 'Epoch milliseconds' }, { is_indexed: true }),
		field('lease_until', 'bigInteger', { hidden: true, readonly: true }),
		field('lease_owner', 'string', { hidden: true, readonly: true }, { max_length: 64 }),
		readonlyField('last_status', 'integer'),
		field('last_error', 'text', { interface: 'input-multiline', readonly: true }),
		readonlyField('created_at', 'bigInteger', { note: 'Epoch milliseconds' }, { is_indexed: true }),
		readonlyField('finished_at', 'bigInteger', { note: 'Epoch milliseconds' }),
		// Set on a webhook's open debounce window only: the one row its events are added to (unique, so
		// instances sharing the database add to the same row); cleared when the window is claimed.
		field('debounce_key', 'string', { hidden: true, readonly: true }, { max_length: 64, is_unique: true }),
		// Not sent because its webhook was inactive or disabled: what replay-missed sends later.
		readonlyField('missed', 'boolean', { special: ['cast-boolean'], interface: 'boolean' }, { is_nullable: false, default_value: false }),
		// Set on an ordered webhook's unsettled deliveries only (webhook and item, hashed): a row is not
		// claimed while an earlier one with its key is; cleared once it succeeds, fails or is skipped.
		field('order_key', 'string', { hidden: true, readonly: true }, { max_length: 64, is_indexed: true }),
	],
};

// Every HTTP attempt of every delivery: request, response, duration, error. A table like deliveries.
const attempts: CollectionDefinition = {
	collection: ATTEMPTS_COLLECTION,
	schema: {},
	meta: null,
	fields: [
		primaryKey(),
		readonlyField('delivery', 'integer', {}, { is_indexed: true }),
		readonlyField('webhook', 'integer', {}, { is_indexed: true }),
		readonlyField('attempt', 'integer'),
		readonlyField('started_at', 'bigInteger', { note: 'Epoch milliseconds' }, { is_indexed: true }),
		readonlyField('duration_ms', 'integer'),
		field('request_url', 'text', { interface: 'input', readonly: true }),
		field('request_headers', 'json', { special: ['cast-json'], interface: 'input-code', options: { language: 'json' }, readonly: true }),
		field('request_body', 'text', { interface: 'input-code', readonly: true }),
		readonlyField('response_status', 'integer'),
		field('response_headers', 'json', { special: ['cast-json'], interface: 'input-code', options: { language: 'json' }, readonly: true }),
		field('response_body', 'text', { interface: 'input-code', readonly: true, note: 'Truncated' }),
		field('error', 'text', { interface: 'input-multiline', readonly: true }),
	],
};

// Inbound endpoints: each stores its accepted requests in a collection of its own (storage-collection.ts).
const endpoints: CollectionDefinition = {
	collection: ENDPOINTS_COLLECTION,
	schema: {},
	meta: {
		icon: 'call_received',
		note: 'Incoming endpoints: public URLs that verify callers and store their requests',
		...names('Incoming endpoint', 'Incoming endpoints'),
		group: GROUP_COLLECTION,
		sort: 4,
		display_template: '{{name}} ({{suffix}})',
		// Revisions would keep secrets in clear: record activity only.
		accountability: 'activity',
	},
	fields: [
		primaryKey(),
		field('name', 'string', { interface: 'input', required: true, width: 'half', sort: 1 }, { is_nullable: false, max_length: 255 }),
		statusField(2, 'Inactive endpoints answer 503 and store nothing'),
		field(
			'suffix',
			'string',
			{
				interface: 'input',
				options: { placeholder: 'github/push', font: 'monospace' },
				required: true,
				width: 'half',
				sort: 3,
				note: 'The endpoint is served at PUBLIC_URL/webhooks/in/<suffix>',
			},
			{ is_nullable: false, max_length: 200, is_unique: true },
		),
		field('collection', 'string', { interface: 'input', readonly: true, width: 'half', sort: 4, note: 'Storage collection of accepted requests' }, { max_length: 64 }),
		field(
			'methods',
			'csv',
			{ special: ['cast-csv'], interface: 'select-multiple-checkbox', options: { choices: ENDPOINT_METHODS.map((value) => ({ text: value, value })) }, display: 'labels', width: 'half', sort: 5 },
			{ is_nullable: false, default_value: ENDPOINT_DEFAULTS.methods.join(',') },
		),
		field(
			'auth',
			'string',
			{ interface: 'select-dropdown', options: { choices: AUTH_PRESETS.map((value) => ({ text: value, value })) }, width: 'half', sort: 6, note: 'How callers are verified' },
			{ is_nullable: false, default_value: ENDPOINT_DEFAULTS.auth, max_length: 32 },
		),
		jsonCode('auth_config', { sort: 7, note: 'Options of the auth preset (api_key: header or query; hmac: header, algorithm, encoding, ...; meta: verifyToken; jwt: algorithms, issuer, audience, publicKey or jwksUrl)' }),
		field('secrets', 'text', {
			special: ['conceal'],
			interface: 'input-hash',
			options: { masked: true },
			hidden: true,
			sort: 8,
			note: 'Verification secrets, encrypted; write-only',
		}),
		field('tolerance_seconds', 'integer', { interface: 'input', width: 'half', sort: 9, note: 'Maximum age of a signed timestamp' }, { default_value: ENDPOINT_DEFAULTS.tolerance_seconds }),
		field('dedupe_header', 'string', { interface: 'input', width: 'half', sort: 10, note: 'Header whose repeated value marks a redelivery' }, { max_length: 256 }),
		field(
			'response_status',
			'integer',
			{ interface: 'select-dropdown', options: { choices: RESPONSE_STATUSES.map((value) => ({ text: String(value), value })) }, width: 'half', sort: 11 },
			{ is_nullable: false, default_value: ENDPOINT_DEFAULTS.response_status },
		),
		field('response_content_type', 'string', { interface: 'input', width: 'half', sort: 12 }, { default_value: ENDPOINT_DEFAULTS.response_content_type, max_length: 255 }),
		field('response_body', 'text', { interface: 'input-code', sort: 13, note: 'Template with {{ request.* }} and {{ item.* }} placeholders' }),
		listField('response_headers', '{{ header }}', HEADER_SUBFIELDS, { sort: 14 }),
		jsonCode('failure_statuses', { sort: 15, note: 'Override refusal statuses, e.g. {"auth": 404}' }),
		field('max_body_bytes', 'integer', { interface: 'input', width: 'half', sort: 16 }, { default_value: ENDPOINT_DEFAULTS.max_body_bytes }),
		field('rate_limit_per_minute', 'integer', { interface: 'input', width: 'half', sort: 17, note: 'Empty: no limit' }),
		field(
			'strict',
			'boolean',
			{ special: ['cast-boolean'], interface: 'boolean', options: { label: 'Refuse requests that miss expected data' }, width: 'half', sort: 18 },
			{ is_nullable: false, default_value: false },
		),
		field('expected_headers', 'csv', { special: ['cast-csv'], interface: 'tags', width: 'half', sort: 19 }),
		field('expected_query', 'csv', { special: ['cast-csv'], interface: 'tags', width: 'half', sort: 20 }),
		jsonCode('expected_body', { sort: 21, note: 'A sample body: its top-level keys are what strict mode requires' }),
		listField(
			'field_mappings',
			'{{ path }} → {{ field }}',
			[
				{ field: 'path', name: 'Path', type: 'string', meta: { interface: 'input', width: 'half', required: true, options: { placeholder: 'body.data.id' } } },
				{ field: 'field', name: 'Field', type: 'string', meta: { interface: 'input', width: 'half', required: true } },
				{ field: 'type', name: 'Type', type: 'string', meta: { interface: 'select-dropdown', width: 'half', options: { choices: MAPPING_TYPES.map((value) => ({ text: value, value })) } } },
			],
			{ sort: 22, note: 'Copy values from requests into typed fields of the storage collection' },
		),
		field('ip_allow_list', 'csv', { special: ['cast-csv'], interface: 'tags', width: 'full', sort: 23, note: 'Only these addresses or CIDR ranges may call (as Directus sees them, IP_TRUST_PROXY); empty: anyone' }),
		...timestamps(),
		// Counts against WEBHOOKS_MAX_ENDPOINTS_PER_USER; Directus fills it on create.
		field('user_created', 'uuid', { special: ['user-created'], interface: 'input', readonly: true, width: 'half', note: 'Owner: the user who created the endpoint' }),
	],
};

export const COLLECTIONS: CollectionDefinition[] = [group, outgoing, deliveries, attempts, endpoints];
