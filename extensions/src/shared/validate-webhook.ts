// Validation of outgoing webhook config, shared by the API (every write path) and the app
// (live form errors), so it is pure and browser-safe. Collects every error, each naming its
// field path; reasons state limits rather than echoing input, and never echo header values.
import {
	MASK, PAYLOAD_MODES, READONLY_FIELDS, WEBHOOK_ACTIONS, WEBHOOK_METHODS, WEBHOOK_STATUSES, WRITABLE_FIELDS,
	type FieldError, type WebhookAction, type WebhookHeader, type WebhookInput,
} from './webhook';
import { NOT_WEBHOOK_SOURCES } from './collections';
import { SECRET_MAX_BYTES, SECRET_MIN_BYTES, SECRET_PREFIX, isValidSecret } from './signing-secret';
import { HEADER_NAME, MAX_NAME, MAX_HEADER_NAME, isPlainObject, parseCsvList, quote, quoteAll, childPath, headerValueProblem, jsonObjectProblem, checkKeys, type Fail } from './validation';

export type ValidationResult = { ok: true; value: WebhookInput } | { ok: false; errors: FieldError[] };

export interface ValidateOptions {
	mode: 'create' | 'update';
	/** Collections that exist in the schema; webhooks may only watch these. */
	collections: readonly string[];
}


// Set by the extension itself or by the HTTP layer; letting admins override them would break signing or framing.
const RESERVED_HEADERS = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-length', 'host', 'transfer-encoding', 'connection']);
const REQUIRED_ON_CREATE = ['name', 'url', 'actions', 'collections'] as const;
// RFC 7230 token.
// What Node's HTTP client accepts in a header value; anything else would only fail at delivery time.
const FIELD_NAME = /^[A-Za-z0-9_.$*-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_DESCRIPTION = 10_000;
const MAX_URL = 2048;
const MAX_HEADERS = 50;
const MAX_FIELD_LIST = 200;
const MAX_FILTER_DEPTH = 10;
const MAX_FILTER_CHARS = 20_000;

export function validateWebhook(input: unknown, options: ValidateOptions): ValidationResult {
	if (!isPlainObject(input)) return { ok: false, errors: [{ field: '(body)', reason: 'must be a JSON object' }] };
	const { errors, fail, polluted } = checkKeys(input, { writable: WRITABLE_FIELDS, readonly: READONLY_FIELDS, noun: 'a webhook', skip: 'secret' });
	const value: WebhookInput = {};

	const required = new Set<string>(options.mode === 'create' ? REQUIRED_ON_CREATE : []);
	const missing = (field: string) => input[field] === undefined || (required.has(field) && input[field] === null);
	for (const field of required) if (missing(field)) fail(field, 'is required');
	if (options.mode === 'update' && Object.keys(input).length === 0) fail('(body)', 'nothing to update');
	const given = (field: string) => !polluted.has(field) && !missing(field);

	// The masked secret, as read back, is sent unchanged by forms that post the whole item.
	if (given('secret') && input.secret !== MASK) {
		// Read-only on read, but admins may bring their own well-formed secret.
		if (isValidSecret(input.secret)) value.secret = input.secret;
		else fail('secret', `is generated for you; to set your own, use "${SECRET_PREFIX}" followed by canonical base64 of ${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES} random bytes`);
	}
	if (given('name')) {
		const name = typeof input.name === 'string' ? input.name.trim() : null;
		if (name === null || name === '') fail('name', 'must be a non-empty string');
		else if (name.length > MAX_NAME) fail('name', `must be at most ${MAX_NAME} characters`);
		else value.name = name;
	}
	if (given('description')) {
		const description = input.description;
		if (description !== null && typeof description !== 'string') fail('description', 'must be a string or null');
		else if (typeof description === 'string' && description.length > MAX_DESCRIPTION) fail('description', `must be at most ${MAX_DESCRIPTION} characters`);
		else value.description = description;
	}
	if (given('method')) {
		const method = typeof input.method === 'string' ? input.method.toUpperCase() : '';
		const known = WEBHOOK_METHODS.find((candidate) => candidate === method);
		if (known === undefined) fail('method', `must be one of ${WEBHOOK_METHODS.join(', ')}`);
		else value.method = known;
	}
	if (given('status')) {
		const known = WEBHOOK_STATUSES.find((candidate) => candidate === input.status);
		if (known === undefined) fail('status', `must be one of ${WEBHOOK_STATUSES.join(', ')}`);
		else value.status = known;
	}
	for (const field of ['data', 'include_previous'] as const) {
		if (!given(field)) continue;
		const flag = input[field];
		if (typeof flag === 'boolean') value[field] = flag;
		else fail(field, typeof flag === 'string' ? 'must be the boolean true or false, not a string' : 'must be true or false');
	}
	if (given('url')) {
		const problem = urlProblem(input.url);
		if (problem !== null) fail('url', problem);
		else value.url = input.url as string;
	}
	if (given('actions')) {
		const actions = validateActions(input.actions, fail);
		if (actions !== null) value.actions = actions;
	}
	if (given('collections')) {
		const collections = validateCollections(input.collections, options.collections, fail);
		if (collections !== null) value.collections = collections;
	}
	if (given('headers')) {
		const headers = validateHeaders(input.headers, fail);
		if (headers !== null) value.headers = headers;
	}
	if (given('filter')) {
		const filter = validateFilter(input.filter, fail);
		if (filter !== undefined) value.filter = filter;
	}
	for (const field of ['watch_fields', 'fields'] as const) {
		if (!given(field)) continue;
		const list = validateFieldList(field, input[field], fail);
		if (list !== undefined) value[field] = list;
	}
	if (given('payload')) {
		const known = PAYLOAD_MODES.find((candidate) => candidate === input.payload);
		if (known === undefined) fail('payload', `must be one of ${PAYLOAD_MODES.join(', ')}`);
		else value.payload = known;
	}
	if (given('item_role')) {
		const role = input.item_role;
		if (role === null) value.item_role = null;
		else if (typeof role === 'string' && UUID.test(role)) value.item_role = role.toLowerCase();
		else fail('item_role', 'must be a role id (UUID) or null');
	}

	return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}

function urlProblem(url: unknown): string | null {
	if (typeof url !== 'string') return 'must be an absolute http(s) URL';
	if (url.length > MAX_URL) return `must be at most ${MAX_URL} characters`;
	if (/[\s\x00-\x1f\x7f]/.test(url)) return 'must not contain whitespace or control characters';
	// The URL parser also accepts `http:host`; insist on the unambiguous absolute form.
	if (!/^https?:\/\//i.test(url)) {
		return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) ? 'must use http: or https:' : 'must be an absolute http(s) URL';
	}
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return 'must be an absolute http(s) URL';
	}
	if (parsed.hostname === '') return 'must name a host';
	if (parsed.username !== '' || parsed.password !== '') return 'must not contain credentials (put them in a secret header)';
	if (parsed.hash !== '' || url.includes('#')) return 'must not contain a #fragment (it is never sent)';
	return null;
}

function validateActions(input: unknown, fail: Fail): WebhookAction[] | null {
	const list = parseCsvList(input);
	if (list === null || list.length === 0) {
		fail('actions', `must be a non-empty list of ${WEBHOOK_ACTIONS.join(', ')}`);
		return null;
	}
	const actions: WebhookAction[] = [];
	const unknown: string[] = [];
	for (const entry of list) {
		const known = WEBHOOK_ACTIONS.find((action) => action === entry);
		if (known === undefined) unknown.push(entry);
		else if (!actions.includes(known)) actions.push(known);
	}
	if (unknown.length === 0) return actions;
	fail('actions', `unknown action ${quoteAll(unknown)} (use ${WEBHOOK_ACTIONS.join(', ')})`);
	return null;
}

function validateCollections(input: unknown, existing: readonly string[], fail: Fail): string[] | null {
	const list = parseCsvList(input);
	if (list === null || list.length === 0) {
		fail('collections', 'must be a non-empty list of collection names');
		return null;
	}
	const own = [...new Set(list.filter((collection) => NOT_WEBHOOK_SOURCES.includes(collection)))];
	const unknown = [...new Set(list.filter((collection) => !existing.includes(collection) && !own.includes(collection)))];
	const twice = [...new Set(list.filter((collection, index) => list.indexOf(collection) !== index))];
	if (own.length > 0) fail('collections', `${quoteAll(own)} ${own.length === 1 ? 'belongs' : 'belong'} to this extension and cannot be a webhook source`);
	if (unknown.length > 0) fail('collections', `unknown collection ${quoteAll(unknown)}`);
	if (twice.length > 0) fail('collections', `lists ${quoteAll(twice)} more than once`);
	return own.length === 0 && unknown.length === 0 && twice.length === 0 ? list : null;
}

function validateHeaders(input: unknown, fail: Fail): WebhookHeader[] | null {
	// Legacy webhooks stored "no headers" as null.
	if (input === null) return [];
	if (!Array.isArray(input)) {
		fail('headers', 'must be a list of { header, value, secret? }');
		return null;
	}
	if (input.length > MAX_HEADERS) {
		fail('headers', `must have at most ${MAX_HEADERS} entries`);
		return null;
	}
	const headers: WebhookHeader[] = [];
	const seen = new Set<string>();
	let valid = true;
	input.forEach((entry: unknown, index) => {
		const at = `headers[${index}]`;
		const problems = errorsForHeader(entry, at, seen);
		for (const problem of problems) fail(problem.field, problem.reason);
		if (problems.length > 0 || !isPlainObject(entry)) {
			valid = false;
			return;
		}
		headers.push({ header: entry.header as string, value: (entry.value ?? '') as string, ...(entry.secret === true ? { secret: true } : {}) });
	});
	return valid ? headers : null;
}

/** Problems with one header entry. Reasons never include the value: it may be a credential. */
function errorsForHeader(entry: unknown, at: string, seen: Set<string>): FieldError[] {
	if (!isPlainObject(entry)) return [{ field: at, reason: 'must be an object { header, value, secret? }' }];
	const problems: FieldError[] = [];
	for (const key of Object.keys(entry)) {
		if (key !== 'header' && key !== 'value' && key !== 'secret') problems.push({ field: childPath(at, key, false), reason: 'is not a header property (use header, value, secret)' });
	}
	const name = entry.header;
	if (typeof name !== 'string' || name === '') {
		problems.push({ field: `${at}.header`, reason: 'must be a non-empty string' });
	} else if (name.length > MAX_HEADER_NAME) {
		problems.push({ field: `${at}.header`, reason: `must be at most ${MAX_HEADER_NAME} characters` });
	} else if (!HEADER_NAME.test(name)) {
		problems.push({ field: `${at}.header`, reason: 'must be a valid header name (letters, digits and !#$%&\'*+-.^_`|~)' });
	} else if (RESERVED_HEADERS.has(name.toLowerCase())) {
		problems.push({ field: `${at}.header`, reason: `${quote(name)} is set by the extension and cannot be overridden` });
	} else if (seen.has(name.toLowerCase())) {
		problems.push({ field: `${at}.header`, reason: `${quote(name)} appears more than once` });
	} else {
		seen.add(name.toLowerCase());
	}
	// A missing value is an empty one (a freshly added row in the form).
	const headerValue = entry.value ?? '';
	const valueProblem = headerValueProblem(headerValue);
	if (valueProblem !== null) problems.push({ field: `${at}.value`, reason: valueProblem });
	if (entry.secret !== undefined && entry.secret !== null && typeof entry.secret !== 'boolean') {
		problems.push({ field: `${at}.secret`, reason: 'must be true or false' });
	}
	return problems;
}

/** The filter to store (an empty one means none), or undefined when invalid. */
function validateFilter(input: unknown, fail: Fail): Record<string, unknown> | null | undefined {
	if (input === null) return null;
	if (!isPlainObject(input)) {
		fail('filter', 'must be a Directus filter object or null');
		return undefined;
	}
	const problem = jsonObjectProblem(input, MAX_FILTER_DEPTH, MAX_FILTER_CHARS);
	if (problem !== null) {
		fail('filter', problem);
		return undefined;
	}
	return Object.keys(input).length === 0 ? null : input;
}

/** The field list to store (an empty one means all fields), or undefined when invalid. */
function validateFieldList(field: 'watch_fields' | 'fields', input: unknown, fail: Fail): string[] | null | undefined {
	if (input === null) return null;
	const list = parseCsvList(input);
	if (list === null) {
		fail(field, 'must be a list of field names or null');
		return undefined;
	}
	if (list.length > MAX_FIELD_LIST) {
		fail(field, `must list at most ${MAX_FIELD_LIST} fields`);
		return undefined;
	}
	const bad = list.filter((name) => !FIELD_NAME.test(name));
	if (bad.length > 0) {
		fail(field, `${quoteAll(bad)} ${bad.length === 1 ? 'is not a field name' : 'are not field names'} (letters, digits and _ . $ * -, at most 128)`);
		return undefined;
	}
	const unique = [...new Set(list)];
	return unique.length === 0 ? null : unique;
}

export { formatErrors, isPlainObject, parseCsvList } from './validation';
