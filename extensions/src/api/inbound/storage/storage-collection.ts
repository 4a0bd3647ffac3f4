// The collection endpoints store their accepted requests in: created with the first endpoint that
// names it, in the Webhooks folder, an ordinary collection so Flows, permissions and the Data Studio
// work on it. Several endpoints may share one (the shared inbox, `inbound_requests`): each row names
// its endpoint, and redeliveries are caught per endpoint. Mapped fields are added when mappings are
// added. Dropped implicitly only when no endpoint uses it and it never stored a request.
import type { Knex } from 'knex';
import { ENDPOINTS_COLLECTION, GROUP_COLLECTION, SHARED_STORAGE_COLLECTION } from '../../../shared/collections';
import { STORED_REQUEST_STATUSES, type FieldMapping } from '../../../shared/inbound-endpoint';
import { SYSTEM_ACCOUNTABILITY, type ExtensionContext } from '../../context';
import type { CollectionDefinition, FieldDefinition } from '../../schema/definition';
import { choices, field, names } from '../../schema/fields';
import { SchemaInstaller, type InstallReport } from '../../schema/schema-installer';

export interface StorageTarget {
	name: string;
	suffix: string;
	collection: string;
	fieldMappings: FieldMapping[];
}

export const DEDUPE_FIELD = 'dedupe_key';
// An endpoint id, a colon and a delivery id of at most 255 characters.
const MAX_DEDUPE_KEY = 300;

const json = (name: string, note: string, sort: number) =>
	field(name, 'json', { special: ['cast-json'], interface: 'input-code', options: { language: 'json' }, readonly: true, note, sort });
const readonly = (name: string, type: FieldDefinition['type'], sort: number, meta: Record<string, unknown> = {}, schema: Record<string, unknown> = {}) =>
	field(name, type, { interface: 'input', readonly: true, width: 'half', sort, ...meta }, schema);

/**
 * `shareable`: storage made by this version, which several endpoints may share: a redelivery is
 * caught per endpoint (`dedupe_key`, unique: endpoint and delivery id) and `delivery_id` is only
 * indexed. Storage made before keeps its unique `delivery_id` and stays one endpoint's.
 */
export function storageDefinition(target: StorageTarget, shareable = true): CollectionDefinition {
	const shared = target.collection === SHARED_STORAGE_COLLECTION;
	const base: FieldDefinition[] = [
		{ field: 'id', type: 'integer', meta: { hidden: true, readonly: true, interface: 'input' }, schema: { is_primary_key: true, has_auto_increment: true } },
		readonly('endpoint', 'integer', 1, { hidden: !shared, note: 'Incoming endpoint id' }, { is_indexed: true }),
		field(
			'status',
			'string',
			{ interface: 'select-dropdown', options: { choices: choices(STORED_REQUEST_STATUSES) }, display: 'labels', width: 'half', sort: 2, note: 'Set by Flows or people once handled' },
			{ is_nullable: false, default_value: STORED_REQUEST_STATUSES[0], max_length: 32, is_indexed: true },
		),
		readonly('received_at', 'timestamp', 3, { display: 'datetime', display_options: { relative: true } }, { is_indexed: true }),
		readonly('method', 'string', 4, {}, { max_length: 10 }),
		readonly('path', 'text', 5),
		readonly('content_type', 'string', 6, {}, { max_length: 255 }),
		readonly('source_ip', 'string', 7, {}, { max_length: 64 }),
		readonly('verified', 'boolean', 8, { special: ['cast-boolean'], interface: 'boolean', note: 'The caller passed the endpoint\'s authentication' }, { default_value: false }),
		readonly('delivery_id', 'string', 9, { note: 'Provider delivery id: a redelivery with the same id is not stored twice' }, { max_length: 255, ...(shareable ? { is_indexed: true } : { is_unique: true }) }),
		json('query', 'URL query parameters', 10),
		json('headers', 'Request headers; credentials and signatures redacted', 11),
		json('body', 'The body as data: JSON, or form and multipart fields', 12),
		field('body_text', 'text', { interface: 'input-code', readonly: true, sort: 13, note: 'The body as text, for text, XML and other non-JSON types' }),
		field('raw_body', 'text', { interface: 'input-code', readonly: true, hidden: true, sort: 14, note: 'Exact bytes received (UTF-8, or base64: prefix), kept for signed requests' }),
		field('parse_error', 'text', { interface: 'input', readonly: true, sort: 15, note: 'Why the body could not be read as its content type says' }),
	];
	if (shareable) base.push(field(DEDUPE_FIELD, 'string', { hidden: true, readonly: true, sort: 18, note: 'Endpoint and delivery id: one row per redelivered request and endpoint' }, { max_length: MAX_DEDUPE_KEY, is_unique: true }));
	// As `response`: a mapping of that name from before keeps it.
	if (!target.fieldMappings.some((mapping) => mapping.field === 'replay_of')) {
		base.push(readonly('replay_of', 'integer', 17, { note: 'A replay: the stored request this row copies, stored again so its Flows run again' }));
	}
	// A mapping named `response` from before the field existed keeps the name; then replays answer without a body.
	if (storesResponse(target)) {
		base.push(field('response', 'json', { special: ['cast-json'], interface: 'input-code', options: { language: 'json' }, readonly: true, hidden: true, sort: 16, note: 'The answer sent, kept for requests with a delivery id: a redelivery gets it again' }));
	}
	const mapped = target.fieldMappings.map((mapping, index) => mappedField(mapping, 100 + index));
	return {
		collection: target.collection,
		schema: {},
		meta: {
			icon: 'move_to_inbox',
			note: shared ? 'Requests received by incoming endpoints that share this inbox (field endpoint)' : `Requests received by the incoming endpoint "${target.name}" (${target.suffix})`,
			...(shared ? names('Inbound request', 'Inbound requests') : names(`Request: ${target.name}`, `Inbound: ${target.name}`)),
			group: GROUP_COLLECTION,
			sort: 10,
			display_template: '{{method}} {{received_at}}',
			sort_field: null,
			archive_field: 'status',
			archive_value: 'processed',
			unarchive_value: 'received',
			// Each stored request is its own record; an activity row per request would double the writes.
			accountability: null,
		},
		fields: [...base, ...mapped],
	};
}

/** True for storage this version makes or made (with `dedupe_key`), false for storage made before it. */
export async function isShareable(knex: Knex, collection: string): Promise<boolean> {
	if (!(await knex.schema.hasTable(collection))) return true;
	return knex.schema.hasColumn(collection, DEDUPE_FIELD);
}

/** Whether the storage keeps the answer sent for each request with a delivery id (field `response`). */
export function storesResponse(target: Pick<StorageTarget, 'fieldMappings'>): boolean {
	return !target.fieldMappings.some((mapping) => mapping.field === 'response');
}

function mappedField(mapping: FieldMapping, sort: number): FieldDefinition {
	const note = `From ${mapping.path}`;
	if (mapping.type === 'json') return json(mapping.field, note, sort);
	if (mapping.type === 'boolean') return field(mapping.field, 'boolean', { special: ['cast-boolean'], interface: 'boolean', readonly: true, sort, note });
	if (mapping.type === 'timestamp') return field(mapping.field, 'timestamp', { interface: 'datetime', readonly: true, sort, note });
	if (mapping.type === 'text') return field(mapping.field, 'text', { interface: 'input-multiline', readonly: true, sort, note });
	return field(mapping.field, mapping.type, { interface: 'input', readonly: true, width: 'half', sort, note }, mapping.type === 'string' ? { max_length: 255 } : {});
}

// One schema change at a time in this process: SQLite has no lock to serialise them (see schema-lock).
let queue: Promise<unknown> = Promise.resolve();
let changes = 0;

/**
 * Creates the storage collection, or adds mapped fields it lacks. Idempotent. With `onlyIfIncomplete`,
 * storage already complete in the database is left alone and Directus's schema cache is not asked
 * (see SchemaInstaller.install). With `knex` (a write's transaction) the change is part of that
 * transaction and skips this process's queue: the transaction already holds SQLite's one connection,
 * and PostgreSQL's schema lock serialises it. What was created or added; null when complete already.
 */
export async function ensureStorage(context: ExtensionContext, target: StorageTarget, options: { onlyIfIncomplete?: boolean; knex?: Knex } = {}): Promise<InstallReport | null> {
	const shareable = await isShareable(options.knex ?? context.database, target.collection);
	const installer = new SchemaInstaller(context, [storageDefinition(target, shareable)], { moduleBar: false, knex: options.knex });
	if (options.onlyIfIncomplete && (await installer.isComplete())) return null;
	const run = options.knex ? installer.install() : queue.then(() => installer.install());
	if (!options.knex) queue = run.catch(() => undefined);
	const report = await run;
	changes += 1;
	return report;
}

/**
 * After a transaction that changed storage has ended: our cached schemas are stale, and with
 * `clearDirectusCache` Directus's too (another connection may have rebuilt it meanwhile without
 * the uncommitted change, or the rolled-back change may be in it).
 */
export async function storageChanged(context: ExtensionContext, options: { clearDirectusCache: boolean }): Promise<void> {
	changes += 1;
	if (!options.clearDirectusCache) return;
	try {
		await new context.services.UtilsService({ knex: context.database, schema: await context.getSchema(), accountability: SYSTEM_ACCOUNTABILITY }).clearCache({ system: true });
	} catch (error) {
		context.logger.warn(error, '[webhooks] could not clear the schema cache after a storage change');
	}
}

/**
 * Drops storage collections no endpoint uses (one shared with an endpoint that remains stays, its
 * rows too), one schema change at a time like ensureStorage. With `onlyUnused`, only those without
 * a single row: history is never dropped implicitly.
 */
export async function dropStorage(context: ExtensionContext, collections: string[], options: { onlyUnused?: boolean } = {}): Promise<void> {
	if (collections.length === 0) return;
	const knex = context.database;
	const run = queue.then(async () => {
		for (const collection of collections) {
			const schema = await context.getSchema({ database: knex, bypassCache: true });
			if (!schema.collections[collection]) continue;
			if (await knex(ENDPOINTS_COLLECTION).first('id').where({ collection })) continue;
			if (options.onlyUnused && (await knex(collection).first('id'))) continue;
			await new context.services.CollectionsService({ knex, schema, accountability: null }).deleteOne(collection);
			changes += 1;
		}
	});
	queue = run.catch(() => undefined);
	return run;
}

/** Moves whenever this process may have changed a storage collection: cached schemas are stale then. */
export function storageChanges(): number {
	return changes;
}
