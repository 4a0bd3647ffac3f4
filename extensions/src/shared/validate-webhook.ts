// The schema of outgoing webhook config, shared by the API (every write path) and the app (live
// form errors), so it is pure and browser-safe. Every error names its field path; reasons state
// limits rather than echoing input, and never echo header values.
import * as v from 'valibot';
import { NOT_WEBHOOK_SOURCES, OUTGOING_COLLECTION } from './collections';
import { SECRET_MAX_BYTES, SECRET_MIN_BYTES, SECRET_PREFIX, isValidSecret } from './signing-secret';
import { fillPlaceholders, templateModeFor, templateProblem } from './template';
import {
	closedObject, csvList, displayName, entryList, enumList, firstProblem, flag, headerName, headerValue, jsonObject, mediaType, oneOf, quote, quoteAll,
	validateConfig, wholeNumber, type ConfigResult,
} from './validation';
import {
	DEBOUNCE_MAX_FACTOR, MASK, MAX_RATE_LIMIT_PER_SECOND, PAYLOAD_MODES, READONLY_FIELDS, WEBHOOK_ACTIONS, WEBHOOK_DEFAULTS, WEBHOOK_METHODS, WEBHOOK_STATUSES, WRITABLE_FIELDS, type WebhookHeader, type WebhookInput,
} from './webhook';
import { WEBHOOK_PRESETS } from './webhook-presets';
import { actionsProblem, collectionsProblem } from './webhook-actions';

export type ValidationResult = ConfigResult<WebhookInput>;

/** Fields checked together: the body template with its content type, the debounce with its cap, the actions with the collections. */
export interface StoredPairs {
	body_template: string | null;
	content_type: string;
	debounce_seconds: number;
	debounce_max_seconds: number | null;
	actions?: string[];
	collections?: string[];
}

export interface ValidateOptions {
	mode: 'create' | 'update';
	/** Collections that exist in the schema; webhooks may only watch these. */
	collections: readonly string[];
	/** On update: stored values a change of a field that goes with them is checked against. */
	stored?: StoredPairs;
}

// Set by the extension itself or by the HTTP layer; letting admins override them would break signing or framing.
const RESERVED_HEADERS = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-length', 'host', 'transfer-encoding', 'connection']);
const REQUIRED_ON_CREATE: readonly string[] = ['name', 'url', 'actions', 'collections'];
const FIELD_NAME = /^[A-Za-z0-9_.$*-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_DESCRIPTION = 10_000;
const MAX_URL = 2048;
const MAX_HEADERS = 50;
const MAX_FIELD_LIST = 200;
const MAX_FILTER_DEPTH = 10;
const MAX_FILTER_CHARS = 20_000;
const MAX_TEMPLATE_BYTES = 64 * 1024;
const MAX_DEBOUNCE_SECONDS = 86_400;
const MAX_DEBOUNCE_WINDOW_SECONDS = 7 * 86_400;
// Placeholders may fill the path and query, never the scheme, host or port: where a request goes is config.
const TEMPLATED_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*\{\{/;

function parsedUrl(url: string): URL | null {
	try {
		return new URL(url);
	} catch {
		return null;
	}
}

/** A templated URL as checked: each placeholder filled with a sample value. */
const sampled = (text: string) => fillPlaceholders(text, 'x');

const url = firstProblem(v.pipe(
	v.string('must be an absolute http(s) URL'),
	v.maxLength(MAX_URL, `must be at most ${MAX_URL} characters`),
	v.check((text) => !TEMPLATED_AUTHORITY.test(text), 'may use {{ }} placeholders only in its path and query, not in the host'),
	v.check((text) => templateProblem(text, 'url') === null, (issue) => templateProblem(issue.input as string, 'url')!),
	v.check((text) => !/[\s\x00-\x1f\x7f]/.test(sampled(text)), 'must not contain whitespace or control characters (outside {{ }} placeholders)'),
	// The URL parser also accepts `http:host`; insist on the unambiguous absolute form.
	v.check((text) => /^https?:\/\//i.test(text), (issue) => (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(issue.input as string) ? 'must use http: or https:' : 'must be an absolute http(s) URL')),
	v.check((text) => parsedUrl(sampled(text)) !== null, 'must be an absolute http(s) URL'),
	v.check((text) => parsedUrl(sampled(text))!.hostname !== '', 'must name a host'),
	v.check((text) => parsedUrl(sampled(text))!.username === '' && parsedUrl(sampled(text))!.password === '', 'must not contain credentials (put them in a secret header)'),
	v.check((text) => parsedUrl(sampled(text))!.hash === '' && !text.includes('#'), 'must not contain a #fragment (it is never sent)'),
));

// Read-only on read, but admins may bring their own well-formed secret. The masked secret, as
// read back, is sent unchanged by forms that post the whole item: it changes nothing.
const secret = v.pipe(
	v.unknown(),
	v.transform((value) => (value === MASK ? undefined : value)),
	v.optional(v.custom<string>(isValidSecret, `is generated for you; to set your own, use "${SECRET_PREFIX}" followed by canonical base64 of ${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES} random bytes`)),
);

/** One header; reasons never include the value: it may be a credential. */
const header = v.pipe(
	closedObject({
		header: firstProblem(v.pipe(headerName, v.check((name) => !RESERVED_HEADERS.has(name.toLowerCase()), (issue) => `${quote(issue.input as string)} is set by the extension and cannot be overridden`))),
		// A missing value is an empty one (a freshly added row in the form). It may hold placeholders.
		value: v.pipe(headerValue, v.check((value) => templateProblem(value, 'header') === null, (issue) => templateProblem(issue.input as string, 'header')!)),
		secret: v.nullish(v.boolean('must be true or false')),
	}, { notObject: 'must be an object { header, value, secret? }', unknownKey: 'is not a header property (use header, value, secret)' }),
	v.transform(({ header, value, secret }): WebhookHeader => ({ header, value, ...(secret === true ? { secret: true } : {}) })),
);

// Legacy webhooks stored "no headers" as null.
const headers = entryList(header, { notList: 'must be a list of { header, value, secret? }', max: MAX_HEADERS }, 'header');

/** The filter to store; an empty one means none. */
const filter = v.nullable(v.pipe(
	jsonObject('must be a Directus filter object or null', MAX_FILTER_DEPTH, MAX_FILTER_CHARS),
	v.transform((value) => (Object.keys(value).length === 0 ? null : value)),
));

/** The field list to store; an empty one means all fields. */
const notFieldNames = (list: string[]) => list.filter((entry) => !FIELD_NAME.test(entry));
const fieldList = v.nullable(firstProblem(v.pipe(
	csvList('must be a list of field names or null'),
	v.maxLength(MAX_FIELD_LIST, `must list at most ${MAX_FIELD_LIST} fields`),
	v.check((list) => notFieldNames(list).length === 0, (issue) => {
		const bad = notFieldNames(issue.input as string[]);
		return `${quoteAll(bad)} ${bad.length === 1 ? 'is not a field name' : 'are not field names'} (letters, digits and _ . $ * -, at most 128)`;
	}),
	v.transform((list) => (list.length === 0 ? null : [...new Set(list)])),
)));

function collections(existing: readonly string[]) {
	const distinct = (list: string[]) => [...new Set(list)];
	// The outgoing webhooks are the source of webhook alerts: checked with the actions (below).
	const own = (list: string[]) => distinct(list.filter((collection) => NOT_WEBHOOK_SOURCES.includes(collection) && collection !== OUTGOING_COLLECTION));
	const unknown = (list: string[]) => distinct(list.filter((collection) => !existing.includes(collection) && !NOT_WEBHOOK_SOURCES.includes(collection)));
	const twice = (list: string[]) => distinct(list.filter((collection, index) => list.indexOf(collection) !== index));
	const listed = (issue: { input: unknown }) => issue.input as string[];
	// Not firstProblem: each of the last three is its own reason, all reported.
	return v.pipe(
		csvList('must be a non-empty list of collection names'),
		v.nonEmpty('must be a non-empty list of collection names'),
		v.check((list) => own(list).length === 0, (issue) => `${quoteAll(own(listed(issue)))} ${own(listed(issue)).length === 1 ? 'belongs' : 'belong'} to this extension and cannot be a webhook source`),
		v.check((list) => unknown(list).length === 0, (issue) => `unknown collection ${quoteAll(unknown(listed(issue)))}`),
		v.check((list) => twice(list).length === 0, (issue) => `lists ${quoteAll(twice(listed(issue)))} more than once`),
	);
}

/** The body template to store; empty means none. Whether it renders valid JSON depends on content_type (below). */
const bodyTemplate = v.pipe(
	v.nullable(firstProblem(v.pipe(
		v.string('must be a string (a {{ }} template) or null'),
		v.check((template) => new TextEncoder().encode(template).length <= MAX_TEMPLATE_BYTES, `must be at most ${MAX_TEMPLATE_BYTES} bytes`),
		v.check((template) => templateProblem(template, 'text') === null, (issue) => templateProblem(issue.input as string, 'text')!),
	))),
	v.transform((template) => (template === '' ? null : template)),
);

const debounceSeconds = wholeNumber(0, MAX_DEBOUNCE_SECONDS, `must be a whole number of seconds from 0 (off) to ${MAX_DEBOUNCE_SECONDS}`);
const rateLimitPerSecond = v.nullable(wholeNumber(1, MAX_RATE_LIMIT_PER_SECOND, `must be a whole number of requests per second from 1 to ${MAX_RATE_LIMIT_PER_SECOND}, or null (no limit)`));
const debounceMaxSeconds = v.nullable(wholeNumber(1, MAX_DEBOUNCE_WINDOW_SECONDS, `must be a whole number of seconds from 1 to ${MAX_DEBOUNCE_WINDOW_SECONDS}, or null (${DEBOUNCE_MAX_FACTOR}x debounce_seconds)`));

/**
 * Why this body template and content type cannot go together (a JSON type needs a template that
 * stays JSON whatever its values), or null. Either may come from storage on an update.
 */
export function bodyTemplateProblem(template: string | null | undefined, contentType: string | undefined): string | null {
	if (!template || contentType === undefined) return null;
	return templateProblem(template, templateModeFor(contentType));
}

function webhookSchema(options: ValidateOptions) {
	const field = <TSchema extends v.GenericSchema>(key: string, schema: TSchema) =>
		options.mode === 'create' && REQUIRED_ON_CREATE.includes(key) ? v.nonNullish(schema, 'is required') : v.optional(schema);
	const entries = {
		secret,
		name: field('name', displayName),
		description: field('description', v.nullable(v.pipe(v.string('must be a string or null'), v.maxLength(MAX_DESCRIPTION, `must be at most ${MAX_DESCRIPTION} characters`)))),
		method: field('method', v.pipe(v.unknown(), v.transform((method) => (typeof method === 'string' ? method.toUpperCase() : method)), oneOf(WEBHOOK_METHODS))),
		url: field('url', url),
		status: field('status', oneOf(WEBHOOK_STATUSES)),
		data: field('data', flag),
		actions: field('actions', enumList(WEBHOOK_ACTIONS, 'action')),
		collections: field('collections', collections(options.collections)),
		headers: field('headers', headers),
		filter: field('filter', filter),
		previous_filter: field('previous_filter', filter),
		watch_fields: field('watch_fields', fieldList),
		fields: field('fields', fieldList),
		payload: field('payload', oneOf(PAYLOAD_MODES)),
		item_role: field('item_role', v.nullable(v.pipe(v.string('must be a role id (UUID) or null'), v.regex(UUID, 'must be a role id (UUID) or null'), v.toLowerCase()))),
		include_previous: field('include_previous', flag),
		group_nested: field('group_nested', flag),
		record_while_inactive: field('record_while_inactive', flag),
		body_template: field('body_template', bodyTemplate),
		content_type: field('content_type', mediaType),
		debounce_seconds: field('debounce_seconds', debounceSeconds),
		debounce_max_seconds: field('debounce_max_seconds', debounceMaxSeconds),
		preset: field('preset', v.nullable(oneOf(WEBHOOK_PRESETS))),
		rate_limit_per_second: field('rate_limit_per_second', rateLimitPerSecond),
		ordered: field('ordered', flag),
	} satisfies Record<(typeof WRITABLE_FIELDS)[number] | 'secret', v.GenericSchema>;
	const stored = options.stored ?? (options.mode === 'create' ? WEBHOOK_DEFAULTS : undefined);
	return v.pipe(
		v.object(entries),
		v.forward(
			v.partialCheck(
				[['body_template'], ['content_type']],
				(config) => bodyTemplateProblem(config.body_template === undefined ? stored?.body_template : config.body_template, config.content_type ?? stored?.content_type) === null,
				(issue) => {
					const config = issue.input as { body_template?: string | null; content_type?: string };
					return bodyTemplateProblem(config.body_template === undefined ? stored?.body_template : config.body_template, config.content_type ?? stored?.content_type)!;
				},
			),
			['body_template'],
		),
		v.forward(
			v.partialCheck(
				[['debounce_seconds'], ['debounce_max_seconds']],
				(config) => {
					const max = config.debounce_max_seconds === undefined ? stored?.debounce_max_seconds : config.debounce_max_seconds;
					const seconds = config.debounce_seconds ?? stored?.debounce_seconds;
					return max == null || seconds === undefined || max >= seconds;
				},
				'must be at least debounce_seconds',
			),
			['debounce_max_seconds'],
		),
		v.forward(
			v.partialCheck(
				[['actions'], ['collections']],
				(config) => actionsProblemOf(config, stored) === null,
				(issue) => actionsProblemOf(issue.input as Partial<Pick<WebhookInput, 'actions' | 'collections'>>, stored)!,
			),
			['actions'],
		),
		v.forward(
			v.partialCheck(
				[['actions'], ['collections']],
				(config) => pairProblem(config, stored, collectionsProblem) === null,
				(issue) => pairProblem(issue.input as Partial<Pick<WebhookInput, 'actions' | 'collections'>>, stored, collectionsProblem)!,
			),
			['collections'],
		),
	);
}

/** The actions against the collections, either of them as stored when an update leaves it out. */
function actionsProblemOf(config: Partial<Pick<WebhookInput, 'actions' | 'collections'>>, stored: Partial<StoredPairs> | undefined): string | null {
	return pairProblem(config, stored, actionsProblem);
}

function pairProblem(
	config: Partial<Pick<WebhookInput, 'actions' | 'collections'>>,
	stored: Partial<StoredPairs> | undefined,
	problem: (actions: readonly string[], collections: readonly string[]) => string | null,
): string | null {
	const actions = config.actions ?? stored?.actions;
	const collections = config.collections ?? stored?.collections;
	if (collections?.includes(OUTGOING_COLLECTION) && !actions) return problem([], collections);
	return actions && collections ? problem(actions, collections) : null;
}

export function validateWebhook(input: unknown, options: ValidateOptions): ValidationResult {
	return validateConfig<WebhookInput>(input, webhookSchema(options), { mode: options.mode, readonly: READONLY_FIELDS, noun: 'a webhook' });
}

export { formatErrors, isPlainObject, parseCsvList } from './validation';
