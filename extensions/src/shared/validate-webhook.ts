// Validation of outgoing webhook config, shared by the API (every write path) and the app
// (live form errors). Collects every error, each naming its field; never echoes header values.
import {
	PAYLOAD_MODES, READONLY_FIELDS, WEBHOOK_ACTIONS, WEBHOOK_METHODS, WEBHOOK_STATUSES, WRITABLE_FIELDS,
	type FieldError, type WebhookInput,
} from './webhook';

export type ValidationResult = { ok: true; value: WebhookInput } | { ok: false; errors: FieldError[] };

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const RESERVED_HEADERS = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-length', 'host', 'transfer-encoding', 'connection']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_NAME = /^[A-Za-z0-9_.$*-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_HEADERS = 50;
const MAX_LIST = 200;
const MAX_FILTER_DEPTH = 10;
const MAX_FILTER_CHARS = 20_000;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A list given as an array or as comma-separated text (how the Data Studio stores csv). */
export function parseCsvList(value: unknown): string[] | null {
	if (Array.isArray(value)) return value.every((entry) => typeof entry === 'string') ? value.map((entry) => entry.trim()) : null;
	if (typeof value === 'string') return value.split(',').map((entry) => entry.trim()).filter(Boolean);
	return null;
}

export function formatErrors(errors: FieldError[]): string {
	return errors.map((error) => `${error.field}: ${error.reason}`).join('; ');
}

/** Paths of prototype-polluting keys anywhere in a JSON value (own keys, as JSON.parse makes them). */
function prototypeKeys(value: unknown, path: string, depth = 0): string[] {
	if (depth > 32 || typeof value !== 'object' || value === null) return [];
	const found: string[] = [];
	for (const key of Object.keys(value)) {
		const child = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
		if (!Array.isArray(value) && PROTOTYPE_KEYS.has(key)) found.push(child);
		else found.push(...prototypeKeys((value as Record<string, unknown>)[key], child, depth + 1));
	}
	return found;
}

function depthOf(value: unknown, depth = 0): number {
	if (typeof value !== 'object' || value === null || depth > MAX_FILTER_DEPTH) return depth;
	return Math.max(depth, ...Object.values(value).map((child) => depthOf(child, depth + 1)));
}

function base64Length(text: string): number | null {
	if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return null;
	const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
	return (text.length / 4) * 3 - padding;
}

export function validateWebhook(input: unknown, options: { mode: 'create' | 'update'; collections: readonly string[] }): ValidationResult {
	if (!isPlainObject(input)) return { ok: false, errors: [{ field: '(body)', reason: 'must be a JSON object' }] };
	const errors: FieldError[] = [];
	const value: Record<string, unknown> = {};
	const fail = (field: string, reason: string) => errors.push({ field, reason });

	for (const path of prototypeKeys(input, '')) fail(path, 'prototype keys (__proto__, constructor, prototype) are not allowed');
	if (errors.length > 0) return { ok: false, errors };

	for (const key of Object.keys(input)) {
		if (key === 'secret') continue;
		if ((READONLY_FIELDS as readonly string[]).includes(key)) fail(key, 'is read-only');
		else if (!(WRITABLE_FIELDS as readonly string[]).includes(key)) fail(key, `"${key.slice(0, 64)}" is not a webhook field`);
	}
	if (options.mode === 'create') {
		for (const field of ['name', 'url', 'actions', 'collections']) if (input[field] === undefined || input[field] === null) fail(field, 'is required');
	} else if (Object.keys(input).length === 0) {
		fail('(body)', 'nothing to update');
	}

	const has = (field: string) => input[field] !== undefined;

	if (has('secret')) {
		const secret = input.secret;
		const length = typeof secret === 'string' && secret.startsWith('whsec_') ? base64Length(secret.slice(6)) : null;
		if (length === null || length < 24 || length > 64) fail('secret', 'must be "whsec_" followed by base64 of 24 to 64 random bytes (leave it out to have one generated)');
		else value.secret = secret;
	}
	if (has('name')) {
		const name = input.name;
		if (typeof name !== 'string' || name.trim() === '') fail('name', 'must be a non-empty string');
		else if (name.length > 255) fail('name', 'must be at most 255 characters');
		else value.name = name.trim();
	}
	if (has('description')) {
		const description = input.description;
		if (description !== null && typeof description !== 'string') fail('description', 'must be a string or null');
		else if (typeof description === 'string' && description.length > 10_000) fail('description', 'must be at most 10000 characters');
		else value.description = description;
	}
	if (has('method')) {
		const method = typeof input.method === 'string' ? input.method.toUpperCase() : null;
		if (method === null || !(WEBHOOK_METHODS as readonly string[]).includes(method)) fail('method', `must be one of ${WEBHOOK_METHODS.join(', ')}`);
		else value.method = method;
	}
	if (has('status')) {
		if (!(WEBHOOK_STATUSES as readonly unknown[]).includes(input.status)) fail('status', `must be one of ${WEBHOOK_STATUSES.join(', ')}`);
		else value.status = input.status;
	}
	for (const field of ['data', 'include_previous']) {
		if (!has(field)) continue;
		if (typeof input[field] !== 'boolean') fail(field, 'must be true or false');
		else value[field] = input[field];
	}
	if (has('url')) {
		const reason = urlProblem(input.url);
		if (reason) fail('url', reason);
		else value.url = input.url;
	}
	if (has('actions')) {
		const actions = parseCsvList(input.actions);
		if (actions === null || actions.length === 0) fail('actions', `must be a non-empty list of ${WEBHOOK_ACTIONS.join(', ')}`);
		else {
			const unknown = actions.filter((action) => !(WEBHOOK_ACTIONS as readonly string[]).includes(action));
			if (unknown.length > 0) fail('actions', `unknown action "${unknown[0]!.slice(0, 64)}" (use ${WEBHOOK_ACTIONS.join(', ')})`);
			else value.actions = [...new Set(actions)];
		}
	}
	if (has('collections')) {
		const collections = parseCsvList(input.collections);
		if (collections === null || collections.length === 0) fail('collections', 'must be a non-empty list of collection names');
		else if (collections.length > MAX_LIST) fail('collections', `must list at most ${MAX_LIST} collections`);
		else {
			const unknown = collections.filter((collection) => !options.collections.includes(collection));
			if (unknown.length > 0) fail('collections', `unknown collection "${unknown[0]!.slice(0, 64)}"`);
			else if (new Set(collections).size !== collections.length) fail('collections', 'lists a collection twice');
			else value.collections = collections;
		}
	}
	if (has('headers')) validateHeaders(input.headers, value, fail);
	if (has('filter')) {
		const filter = input.filter;
		if (filter !== null && !isPlainObject(filter)) fail('filter', 'must be a Directus filter object or null');
		else if (filter !== null && depthOf(filter) > MAX_FILTER_DEPTH) fail('filter', `must be nested at most ${MAX_FILTER_DEPTH} levels deep`);
		else if (filter !== null && JSON.stringify(filter).length > MAX_FILTER_CHARS) fail('filter', `must be at most ${MAX_FILTER_CHARS} characters as JSON`);
		else value.filter = filter === null || Object.keys(filter).length === 0 ? null : filter;
	}
	for (const field of ['watch_fields', 'fields']) {
		if (!has(field)) continue;
		if (input[field] === null) {
			value[field] = null;
			continue;
		}
		const list = parseCsvList(input[field]);
		if (list === null) fail(field, 'must be a list of field names or null');
		else if (list.length > MAX_LIST) fail(field, `must list at most ${MAX_LIST} fields`);
		else {
			const bad = list.find((name) => !FIELD_NAME.test(name));
			if (bad !== undefined) fail(field, `"${bad.slice(0, 64)}" is not a field name`);
			else value[field] = list.length === 0 ? null : list;
		}
	}
	if (has('payload')) {
		if (!(PAYLOAD_MODES as readonly unknown[]).includes(input.payload)) fail('payload', `must be one of ${PAYLOAD_MODES.join(', ')}`);
		else value.payload = input.payload;
	}
	if (has('item_role')) {
		const role = input.item_role;
		if (role !== null && (typeof role !== 'string' || !UUID.test(role))) fail('item_role', 'must be a role id (UUID) or null');
		else value.item_role = role;
	}

	return errors.length > 0 ? { ok: false, errors } : { ok: true, value: value as WebhookInput };
}

function urlProblem(url: unknown): string | null {
	if (typeof url !== 'string' || url.trim() === '') return 'must be an absolute http(s) URL';
	if (url.length > 2048) return 'must be at most 2048 characters';
	// eslint-disable-next-line no-control-regex
	if (/[\s\u0000-\u001f\u007f]/.test(url)) return 'must not contain spaces or control characters';
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return 'must be an absolute http(s) URL';
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an absolute http(s) URL';
	if (!parsed.hostname) return 'must name a host';
	if (parsed.username || parsed.password) return 'must not contain credentials (put them in a secret header)';
	if (parsed.hash) return 'must not contain a #fragment';
	return null;
}

function validateHeaders(headers: unknown, value: Record<string, unknown>, fail: (field: string, reason: string) => void): void {
	if (headers === null) {
		value.headers = [];
		return;
	}
	if (!Array.isArray(headers)) return fail('headers', 'must be a list of { header, value, secret? }');
	if (headers.length > MAX_HEADERS) return fail('headers', `must have at most ${MAX_HEADERS} entries`);
	const seen = new Set<string>();
	const clean: { header: string; value: string; secret?: boolean }[] = [];
	headers.forEach((entry, index) => {
		const at = `headers[${index}]`;
		if (!isPlainObject(entry)) return fail(at, 'must be an object { header, value, secret? }');
		const extra = Object.keys(entry).find((key) => !['header', 'value', 'secret'].includes(key));
		if (extra !== undefined) return fail(`${at}.${extra.slice(0, 64)}`, 'is not a header property');
		const name = entry.header;
		if (typeof name !== 'string' || name.length === 0 || name.length > 256 || !TOKEN.test(name)) {
			return fail(`${at}.header`, 'must be a valid header name (letters, digits and !#$%&\'*+-.^_`|~, at most 256)');
		}
		if (RESERVED_HEADERS.has(name.toLowerCase())) return fail(`${at}.header`, `"${name}" is set by the extension and cannot be overridden`);
		if (seen.has(name.toLowerCase())) return fail(`${at}.header`, `"${name}" appears twice`);
		seen.add(name.toLowerCase());
		const headerValue = entry.value ?? '';
		if (typeof headerValue !== 'string') return fail(`${at}.value`, 'must be a string');
		if (headerValue.length > 8192) return fail(`${at}.value`, 'must be at most 8192 characters');
		// eslint-disable-next-line no-control-regex
		if (/[\r\n\u0000]/.test(headerValue)) return fail(`${at}.value`, 'must not contain line breaks or NUL characters');
		if (entry.secret !== undefined && typeof entry.secret !== 'boolean') return fail(`${at}.secret`, 'must be true or false');
		clean.push({ header: name, value: headerValue, ...(entry.secret ? { secret: true } : {}) });
	});
	value.headers = clean;
}
