// Validation of inbound endpoint config, shared by the API (every write path) and the app
// (live form errors), so it is pure and browser-safe. Collects every error, each naming its
// field path; reasons state limits rather than echoing whole values.
import {
	AUTH_PRESETS, DEFAULT_FAILURE_STATUSES, ENDPOINT_METHODS, FAILURE_KINDS, MAPPING_TYPES, MAX_COLLECTION_NAME, MAX_MAPPINGS,
	MAX_SECRETS, MAX_SECRET_LENGTH, PROVIDER_SECRET_PRESETS, STORAGE_FIELDS, ENDPOINT_READONLY_FIELDS, ENDPOINT_STATUSES, ENDPOINT_WRITABLE_FIELDS,
	HMAC_ALGORITHMS, HMAC_ENCODINGS, MAX_BODY_BYTES_LIMIT, MAX_RATE_LIMIT_PER_MINUTE, MAX_RESPONSE_BODY_BYTES,
	MAX_TOLERANCE_SECONDS, RESPONSE_STATUSES,
	type AuthConfig, type AuthPreset, type EndpointInput, type EndpointMethod, type FailureKind, type FieldMapping, type HmacConfig,
	type MappingType, type ResponseHeader,
} from './inbound-endpoint';
import { isPassiveResponseType, refusedResponseHeader } from './inbound-response';
import { FORBIDDEN_SEGMENTS, pathSegments } from './json-path';
import { MASK } from './webhook';
import type { FieldError } from './webhook';
import { HEADER_NAME, HEADER_VALUE_CHARS, HEADER_INJECTION, MAX_NAME, MAX_HEADER_NAME, MAX_LISTED, isPlainObject, parseCsvList, quote, quoteAll, childPath, prototypeKeyPaths, headerValueProblem, jsonObjectProblem, checkKeys, type Fail } from './validation';

export { AUTH_PRESETS, ENDPOINT_DEFAULTS } from './inbound-endpoint';

export type EndpointValidationResult = { ok: true; value: EndpointInput } | { ok: false; errors: FieldError[] };

export interface ValidateEndpointOptions {
	mode: 'create' | 'update';
	/** The stored preset, so an update may change auth_config without resending auth. */
	currentAuth?: AuthPreset;
	/** Secrets come already sealed by the server (a rotation, a prepared create): given, but not checked here. */
	sealedSecrets?: boolean;
}


const REQUIRED_ON_CREATE = ['name', 'suffix'] as const;
// RFC 7230 token.
const SUFFIX_CHAR = /^[A-Za-z0-9_/-]$/;
// Unreserved URL characters: a name that never needs percent-encoding.
const QUERY_NAME = /^[A-Za-z0-9._~-]+$/;
// type/subtype with optional parameters, e.g. `application/json; charset=utf-8`.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const CONTENT_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\\\x00-\\x1f\\x7f]*"))*$`);
// The extension or the HTTP layer sets these; content type has its own field.
const RESERVED_RESPONSE_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer']);
const MAX_SUFFIX = 200;
const MAX_QUERY_NAME = 128;
const MAX_PREFIX = 64;
const MAX_RESPONSE_HEADERS = 50;
const MAX_EXPECTED = 100;
const MAX_CONTENT_TYPE = 255;
const MAX_SAMPLE_DEPTH = 20;
const MAX_SAMPLE_CHARS = 64 * 1024;

const isIntegerIn = (value: unknown, min: number, max: number): value is number =>
	typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

function utf8Length(text: string): number {
	return new TextEncoder().encode(text).length;
}

/** How a character is named in an error: spaces and controls would be invisible when quoted. */
function describeChar(char: string): string {
	if (char === ' ') return 'a space';
	if (char === '\t') return 'a tab';
	const code = char.codePointAt(0)!;
	if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
	return JSON.stringify(char);
}

export function suffixProblem(suffix: unknown): string | null {
	if (typeof suffix !== 'string' || suffix === '') return 'must be a non-empty string';
	if (suffix.length > MAX_SUFFIX) return `must be at most ${MAX_SUFFIX} characters`;
	const bad = [...new Set(Array.from(suffix).filter((char) => !SUFFIX_CHAR.test(char)))];
	if (bad.length > 0) {
		const named = bad.slice(0, MAX_LISTED).map(describeChar).join(', ');
		const verb = bad.length === 1 ? 'is' : 'are';
		return `${named}${bad.length > MAX_LISTED ? ` and ${bad.length - MAX_LISTED} more` : ''} ${verb} not allowed; use letters, digits, / and - or _ (for example - or _ instead of a space)`;
	}
	if (suffix.startsWith('/') || suffix.endsWith('/')) return 'must not start or end with /';
	if (suffix.includes('//')) return 'must not contain // (empty path segments)';
	return null;
}

// Lower-case SQL-safe identifiers; Directus's own tables start with directus_.
const COLLECTION_NAME = /^[a-z][a-z0-9_]*$/;
const MAPPED_FIELD = /^[a-z][a-z0-9_]*$/;
const MAPPING_ROOTS = ['body', 'headers', 'query'];
const MAX_FIELD_NAME = 60;
// Names the databases keep for their own tables and schemas, on any of them (a project may move).
const DATABASE_RESERVED_PREFIXES = ['sqlite_', 'pg_'];
const DATABASE_RESERVED_NAMES = new Set(['information_schema', 'mysql', 'performance_schema', 'sys']);

export function collectionNameProblem(name: unknown): string | null {
	if (typeof name !== 'string' || name === '') return 'must be a non-empty string';
	if (name.length > MAX_COLLECTION_NAME) return `must be at most ${MAX_COLLECTION_NAME} characters`;
	if (!COLLECTION_NAME.test(name)) return 'must start with a lower-case letter and hold only a-z, 0-9 and _';
	if (name.startsWith('directus_') || name.startsWith('webhooks_') || name === 'webhooks') return 'directus_ and webhooks_ names are reserved';
	if (DATABASE_RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix)) || DATABASE_RESERVED_NAMES.has(name)) {
		return `${quote(name)} is reserved by the database (sqlite_, pg_, information_schema, mysql, performance_schema, sys)`;
	}
	return null;
}

function headerNameProblem(name: unknown): string | null {
	if (typeof name !== 'string' || name === '') return 'must be a non-empty string';
	if (name.length > MAX_HEADER_NAME) return `must be at most ${MAX_HEADER_NAME} characters`;
	if (!HEADER_NAME.test(name)) return 'must be a valid header name (letters, digits and !#$%&\'*+-.^_`|~)';
	return null;
}

function queryNameProblem(name: unknown): string | null {
	if (typeof name !== 'string' || name === '') return 'must be a non-empty string';
	if (name.length > MAX_QUERY_NAME) return `must be at most ${MAX_QUERY_NAME} characters`;
	if (!QUERY_NAME.test(name)) return 'must be a query parameter name (letters, digits and . _ ~ -)';
	return null;
}

export function validateEndpoint(input: unknown, options: ValidateEndpointOptions): EndpointValidationResult {
	if (!isPlainObject(input)) return { ok: false, errors: [{ field: '(body)', reason: 'must be a JSON object' }] };
	const { errors, fail, polluted } = checkKeys(input, { writable: ENDPOINT_WRITABLE_FIELDS, readonly: ENDPOINT_READONLY_FIELDS, noun: 'an endpoint' });
	const value: EndpointInput = {};

	const required = new Set<string>(options.mode === 'create' ? REQUIRED_ON_CREATE : []);
	const missing = (field: string) => input[field] === undefined || (required.has(field) && input[field] === null);
	for (const field of required) if (missing(field)) fail(field, 'is required');
	if (options.mode === 'update' && Object.keys(input).length === 0 && !options.sealedSecrets) fail('(body)', 'nothing to update');
	const given = (field: string) => !polluted.has(field) && !missing(field);

	if (given('name')) {
		const name = typeof input.name === 'string' ? input.name.trim() : null;
		if (name === null || name === '') fail('name', 'must be a non-empty string');
		else if (name.length > MAX_NAME) fail('name', `must be at most ${MAX_NAME} characters`);
		else value.name = name;
	}
	if (given('suffix')) {
		const problem = suffixProblem(input.suffix);
		if (problem !== null) fail('suffix', problem);
		else value.suffix = input.suffix as string;
	}
	if (given('methods')) {
		const methods = validateMethods(input.methods, fail);
		if (methods !== null) value.methods = methods;
	}
	if (given('status')) {
		const known = ENDPOINT_STATUSES.find((candidate) => candidate === input.status);
		if (known === undefined) fail('status', `must be one of ${ENDPOINT_STATUSES.join(', ')}`);
		else value.status = known;
	}
	let auth: AuthPreset | undefined;
	if (given('auth')) {
		auth = AUTH_PRESETS.find((candidate) => candidate === input.auth);
		if (auth === undefined) fail('auth', `must be one of ${AUTH_PRESETS.join(', ')}`);
		else value.auth = auth;
	}
	const authInvalid = given('auth') && auth === undefined;
	// The preset the config belongs to: the one sent, the stored one, or on create the default.
	const preset = auth ?? (given('auth') ? undefined : options.currentAuth ?? (options.mode === 'create' ? 'none' : undefined));
	if (given('auth_config')) {
		if (preset !== undefined) {
			const config = validateAuthConfig(preset, input.auth_config, fail);
			if (config !== null) value.auth_config = config;
		} else if (!authInvalid) {
			fail('auth_config', 'send auth together with auth_config');
		}
	} else if (!polluted.has('auth_config') && (auth === 'api_key' || auth === 'hmac')) {
		// Switching to a preset that needs options: the stored ones belong to another preset.
		if (options.mode === 'create' || auth !== options.currentAuth) fail('auth_config', `is required when auth is ${auth}`);
	}
	if (given('tolerance_seconds')) {
		if (isIntegerIn(input.tolerance_seconds, 1, MAX_TOLERANCE_SECONDS)) value.tolerance_seconds = input.tolerance_seconds;
		else fail('tolerance_seconds', `must be a whole number of seconds from 1 to ${MAX_TOLERANCE_SECONDS}`);
	}
	if (given('dedupe_header')) {
		const header = input.dedupe_header;
		const problem = header === null || header === '' ? null : headerNameProblem(header);
		if (problem !== null) fail('dedupe_header', problem);
		else value.dedupe_header = header === null || header === '' ? null : (header as string).toLowerCase();
	}
	if (given('response_status')) {
		const known = RESPONSE_STATUSES.find((candidate) => candidate === input.response_status);
		if (known === undefined) fail('response_status', `must be one of ${RESPONSE_STATUSES.join(', ')}`);
		else value.response_status = known;
	}
	if (given('response_headers')) {
		const headers = validateResponseHeaders(input.response_headers, fail);
		if (headers !== null) value.response_headers = headers;
	}
	if (given('response_body')) {
		const body = input.response_body;
		if (body !== null && typeof body !== 'string') fail('response_body', 'must be a string or null');
		else if (typeof body === 'string' && utf8Length(body) > MAX_RESPONSE_BODY_BYTES) fail('response_body', `must be at most ${MAX_RESPONSE_BODY_BYTES} bytes`);
		else if (typeof body === 'string' && body !== '' && value.response_status === 204) fail('response_body', 'must be empty when response_status is 204 (No Content)');
		else value.response_body = body === '' ? null : body;
	}
	if (given('response_content_type')) {
		const type = input.response_content_type;
		if (typeof type !== 'string' || type.length > MAX_CONTENT_TYPE || !CONTENT_TYPE.test(type.trim())) {
			fail('response_content_type', `must be a media type such as application/json (at most ${MAX_CONTENT_TYPE} characters)`);
		} else if (!isPassiveResponseType(type)) {
			fail('response_content_type', 'must be JSON (application/json, application/*+json), text/plain, XML (application/xml, text/xml) or application/x-www-form-urlencoded: answers are served from the Directus origin, where HTML or scripts would run');
		} else {
			value.response_content_type = type.trim();
		}
	}
	if (given('max_body_bytes')) {
		if (isIntegerIn(input.max_body_bytes, 1, MAX_BODY_BYTES_LIMIT)) value.max_body_bytes = input.max_body_bytes;
		else fail('max_body_bytes', `must be a whole number of bytes from 1 to ${MAX_BODY_BYTES_LIMIT} (50 MB)`);
	}
	if (given('rate_limit_per_minute')) {
		const limit = input.rate_limit_per_minute;
		if (limit === null) value.rate_limit_per_minute = null;
		else if (isIntegerIn(limit, 1, MAX_RATE_LIMIT_PER_MINUTE)) value.rate_limit_per_minute = limit;
		else fail('rate_limit_per_minute', `must be null (no limit) or a whole number from 1 to ${MAX_RATE_LIMIT_PER_MINUTE}`);
	}
	if (given('strict')) {
		if (typeof input.strict === 'boolean') value.strict = input.strict;
		else fail('strict', typeof input.strict === 'string' ? 'must be the boolean true or false, not a string' : 'must be true or false');
	}
	if (given('expected_headers')) {
		const names = validateNameList('expected_headers', input.expected_headers, headerNameProblem, fail);
		// Header names are case-insensitive; Node hands them over in lower case.
		if (names !== null) value.expected_headers = [...new Set(names.map((name) => name.toLowerCase()))];
	}
	if (given('expected_query')) {
		const names = validateNameList('expected_query', input.expected_query, queryNameProblem, fail);
		if (names !== null) value.expected_query = [...new Set(names)];
	}
	if (given('expected_body')) {
		const sample = validateSample(input.expected_body, fail);
		if (sample !== undefined) value.expected_body = sample;
	}

	if (given('collection')) {
		const problem = options.mode === 'update' ? 'cannot be changed: the stored requests live in that collection' : collectionNameProblem(input.collection);
		if (problem !== null) fail('collection', problem);
		else value.collection = input.collection as string;
	}
	if (given('secrets')) {
		const secrets = validateSecrets(input.secrets, preset, fail);
		if (secrets !== null) value.secrets = secrets;
		if (secrets?.length === 0 && options.mode === 'create' && isProviderSecretPreset(preset)) fail('secrets', `is required when auth is ${preset}: paste the signing secret the provider shows`);
	} else if (options.mode === 'create' && isProviderSecretPreset(preset) && !polluted.has('secrets') && !options.sealedSecrets) {
		fail('secrets', `is required when auth is ${preset}: paste the signing secret the provider shows`);
	}
	if (given('failure_statuses')) {
		const statuses = validateFailureStatuses(input.failure_statuses, fail);
		if (statuses !== null) value.failure_statuses = statuses;
	}
	if (given('field_mappings')) {
		const mappings = validateMappings(input.field_mappings, fail);
		if (mappings !== null) value.field_mappings = mappings;
	}

	return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}

export function isProviderSecretPreset(preset: AuthPreset | undefined): boolean {
	return (PROVIDER_SECRET_PRESETS as readonly string[]).includes(preset ?? '');
}

/** Secrets as a list; one string is one secret (what a plain text input sends). The mask is left out by the caller. */
function validateSecrets(input: unknown, preset: AuthPreset | undefined, fail: Fail): string[] | null {
	const list = input === null ? [] : typeof input === 'string' ? [input] : input;
	if (!Array.isArray(list) || list.some((secret) => typeof secret !== 'string')) {
		fail('secrets', 'must be a list of strings');
		return null;
	}
	if (list.length > MAX_SECRETS) {
		fail('secrets', `must hold at most ${MAX_SECRETS} secrets`);
		return null;
	}
	const count = errorCounter(fail);
	(list as string[]).forEach((secret, index) => {
		const at = `secrets[${index}]`;
		// Reasons never quote a secret.
		if (secret === '' || secret === MASK) count.fail(at, 'must be a non-empty secret');
		else if (secret.length > MAX_SECRET_LENGTH) count.fail(at, `must be at most ${MAX_SECRET_LENGTH} characters`);
		else if (/[\x00-\x1f\x7f]/.test(secret) || !HEADER_VALUE_CHARS.test(secret)) count.fail(at, 'must be printable text (no line breaks or control characters)');
		else if (preset === 'basic' && !secret.includes(':')) count.fail(at, 'must be user:password for basic auth');
	});
	return count.errors() === 0 ? [...new Set(list as string[])] : null;
}

function validateFailureStatuses(input: unknown, fail: Fail): Partial<Record<FailureKind, number>> | null {
	if (input === null) return {};
	if (!isPlainObject(input)) {
		fail('failure_statuses', `must be an object such as ${JSON.stringify(DEFAULT_FAILURE_STATUSES)}`);
		return null;
	}
	const count = errorCounter(fail);
	const statuses: Partial<Record<FailureKind, number>> = {};
	for (const [key, status] of Object.entries(input)) {
		const kind = FAILURE_KINDS.find((candidate) => candidate === key);
		// A 2xx would tell the caller its request was stored when it was not.
		if (kind === undefined) count.fail(childPath('failure_statuses', key, false), `is not a failure kind (use ${FAILURE_KINDS.join(', ')})`);
		else if (!isIntegerIn(status, 400, 499)) count.fail(`failure_statuses.${kind}`, 'must be a 4xx status code (400 to 499)');
		else statuses[kind] = status;
	}
	return count.errors() === 0 ? statuses : null;
}

export function mappingPathProblem(path: unknown): string | null {
	if (typeof path !== 'string' || path === '') return 'must be a non-empty path such as body.data.id';
	if (path.length > MAX_NAME) return `must be at most ${MAX_NAME} characters`;
	const segments = pathSegments(path);
	if (segments === null) return 'must be a dotted path with optional [n] indexes, such as body.items[0].id';
	if (!MAPPING_ROOTS.includes(segments[0]!) || segments.length < 2) return `must start with ${MAPPING_ROOTS.map((root) => `${root}.`).join(', ')}`;
	if (segments.some((segment) => FORBIDDEN_SEGMENTS.has(segment))) return 'prototype keys (__proto__, constructor, prototype) are not allowed';
	return null;
}

function validateMappings(input: unknown, fail: Fail): FieldMapping[] | null {
	if (input === null) return [];
	if (!Array.isArray(input)) {
		fail('field_mappings', 'must be a list of { path, field, type }');
		return null;
	}
	if (input.length > MAX_MAPPINGS) {
		fail('field_mappings', `must have at most ${MAX_MAPPINGS} entries`);
		return null;
	}
	const count = errorCounter(fail);
	const seen = new Set<string>();
	const mappings: FieldMapping[] = [];
	input.forEach((entry: unknown, index) => {
		const at = `field_mappings[${index}]`;
		if (!isPlainObject(entry)) {
			count.fail(at, 'must be an object { path, field, type }');
			return;
		}
		for (const key of Object.keys(entry)) {
			if (!['path', 'field', 'type'].includes(key)) count.fail(childPath(at, key, false), 'is not a mapping property (use path, field, type)');
		}
		const pathProblem = mappingPathProblem(entry.path);
		if (pathProblem !== null) count.fail(`${at}.path`, pathProblem);
		const field = entry.field;
		if (typeof field !== 'string' || !MAPPED_FIELD.test(field) || field.length > MAX_FIELD_NAME) {
			count.fail(`${at}.field`, `must be a field name of at most ${MAX_FIELD_NAME} characters: a lower-case letter, then a-z, 0-9 and _`);
		} else if ((STORAGE_FIELDS as readonly string[]).includes(field)) {
			count.fail(`${at}.field`, `${quote(field)} is a built-in field of the storage collection`);
		} else if (seen.has(field)) {
			count.fail(`${at}.field`, `${quote(field)} appears more than once`);
		} else {
			seen.add(field);
		}
		const type = MAPPING_TYPES.find((candidate) => candidate === (entry.type ?? 'string'));
		if (type === undefined) count.fail(`${at}.type`, `must be one of ${MAPPING_TYPES.join(', ')}`);
		mappings.push({ path: entry.path as string, field: field as string, type: type as MappingType });
	});
	return count.errors() === 0 ? mappings : null;
}

function validateMethods(input: unknown, fail: Fail): EndpointMethod[] | null {
	const list = parseCsvList(input);
	if (list === null || list.length === 0) {
		fail('methods', `must be a non-empty list of ${ENDPOINT_METHODS.join(', ')}`);
		return null;
	}
	const methods: EndpointMethod[] = [];
	const unknown: string[] = [];
	for (const entry of list) {
		const known = ENDPOINT_METHODS.find((method) => method === entry.toUpperCase());
		if (known === undefined) unknown.push(entry);
		else if (!methods.includes(known)) methods.push(known);
	}
	if (unknown.length === 0) return methods;
	fail('methods', `unknown method ${quoteAll(unknown)} (use ${ENDPOINT_METHODS.join(', ')})`);
	return null;
}

/** Reports keys of `config` outside `allowed`; true when there were none. */
function onlyKeys(config: Record<string, unknown>, allowed: readonly string[], fail: Fail): boolean {
	let clean = true;
	for (const key of Object.keys(config)) {
		if (allowed.includes(key)) continue;
		clean = false;
		fail(childPath('auth_config', key, false), allowed.length === 0 ? 'this auth preset takes no options' : `is not an option of this auth preset (use ${allowed.join(', ')})`);
	}
	return clean;
}

function validateAuthConfig(preset: AuthPreset, input: unknown, fail: Fail): AuthConfig | null {
	if (input === null && preset !== 'api_key' && preset !== 'hmac') return {};
	if (!isPlainObject(input)) {
		fail('auth_config', preset === 'api_key' || preset === 'hmac' ? `must be an object with the ${preset} options` : 'must be an object or null');
		return null;
	}
	if (preset === 'api_key') return validateApiKeyConfig(input, fail);
	if (preset === 'hmac') return validateHmacConfig(input, fail);
	return onlyKeys(input, [], fail) ? {} : null;
}

function validateApiKeyConfig(input: Record<string, unknown>, fail: Fail): AuthConfig | null {
	let valid = onlyKeys(input, ['header', 'query'], fail);
	const hasHeader = input.header !== undefined && input.header !== null;
	const hasQuery = input.query !== undefined && input.query !== null;
	if (hasHeader === hasQuery) {
		fail('auth_config', 'set exactly one of header or query: where the key is sent');
		return null;
	}
	const problem = hasHeader ? headerNameProblem(input.header) : queryNameProblem(input.query);
	if (problem !== null) {
		fail(hasHeader ? 'auth_config.header' : 'auth_config.query', problem);
		valid = false;
	}
	if (!valid) return null;
	return hasHeader ? { header: (input.header as string).toLowerCase() } : { query: input.query as string };
}

function validateHmacConfig(input: Record<string, unknown>, fail: Fail): HmacConfig | null {
	const count = errorCounter(fail);
	onlyKeys(input, ['header', 'algorithm', 'encoding', 'prefix', 'timestampHeader', 'toleranceSeconds', 'deliveryIdHeader'], count.fail);
	const headerProblem = headerNameProblem(input.header);
	if (headerProblem !== null) count.fail('auth_config.header', input.header === undefined ? 'is required' : headerProblem);
	const algorithm = HMAC_ALGORITHMS.find((candidate) => candidate === input.algorithm);
	if (algorithm === undefined) count.fail('auth_config.algorithm', `must be one of ${HMAC_ALGORITHMS.join(', ')}`);
	const encoding = HMAC_ENCODINGS.find((candidate) => candidate === input.encoding);
	if (encoding === undefined) count.fail('auth_config.encoding', `must be one of ${HMAC_ENCODINGS.join(', ')}`);
	const config = { header: String(input.header).toLowerCase(), algorithm, encoding } as HmacConfig;
	if (input.prefix !== undefined && input.prefix !== null && input.prefix !== '') {
		const prefix = input.prefix;
		if (typeof prefix !== 'string' || prefix.length > MAX_PREFIX || HEADER_INJECTION.test(prefix) || !HEADER_VALUE_CHARS.test(prefix)) {
			count.fail('auth_config.prefix', `must be printable text of at most ${MAX_PREFIX} characters`);
		} else {
			config.prefix = prefix;
		}
	}
	for (const key of ['timestampHeader', 'deliveryIdHeader'] as const) {
		const name = input[key];
		if (name === undefined || name === null || name === '') continue;
		const problem = headerNameProblem(name);
		if (problem !== null) count.fail(`auth_config.${key}`, problem);
		else config[key] = (name as string).toLowerCase();
	}
	if (input.toleranceSeconds !== undefined && input.toleranceSeconds !== null) {
		if (!isIntegerIn(input.toleranceSeconds, 1, MAX_TOLERANCE_SECONDS)) {
			count.fail('auth_config.toleranceSeconds', `must be a whole number of seconds from 1 to ${MAX_TOLERANCE_SECONDS}`);
		} else if (config.timestampHeader === undefined) {
			count.fail('auth_config.toleranceSeconds', 'only applies with a timestampHeader');
		} else {
			config.toleranceSeconds = input.toleranceSeconds;
		}
	}
	return count.errors() === 0 ? config : null;
}

function errorCounter(fail: Fail): { fail: Fail; errors: () => number } {
	let errors = 0;
	return {
		fail: (field, reason) => {
			errors += 1;
			fail(field, reason);
		},
		errors: () => errors,
	};
}

function validateResponseHeaders(input: unknown, fail: Fail): ResponseHeader[] | null {
	if (input === null) return [];
	if (!Array.isArray(input)) {
		fail('response_headers', 'must be a list of { header, value }');
		return null;
	}
	if (input.length > MAX_RESPONSE_HEADERS) {
		fail('response_headers', `must have at most ${MAX_RESPONSE_HEADERS} entries`);
		return null;
	}
	const count = errorCounter(fail);
	const headers: ResponseHeader[] = [];
	const seen = new Set<string>();
	input.forEach((entry: unknown, index) => {
		const at = `response_headers[${index}]`;
		if (!isPlainObject(entry)) {
			count.fail(at, 'must be an object { header, value }');
			return;
		}
		for (const key of Object.keys(entry)) {
			if (key !== 'header' && key !== 'value') count.fail(childPath(at, key, false), 'is not a header property (use header, value)');
		}
		const name = entry.header;
		const problem = headerNameProblem(name);
		if (problem !== null) count.fail(`${at}.header`, problem);
		else if (RESERVED_RESPONSE_HEADERS.has((name as string).toLowerCase())) count.fail(`${at}.header`, `${quote(name as string)} is set by the server and cannot be overridden`);
		else if (refusedResponseHeader(name as string) !== null) count.fail(`${at}.header`, refusedResponseHeader(name as string)!);
		else if (seen.has((name as string).toLowerCase())) count.fail(`${at}.header`, `${quote(name as string)} appears more than once`);
		else seen.add((name as string).toLowerCase());
		const headerValue = entry.value ?? '';
		const valueProblem = headerValueProblem(headerValue);
		if (valueProblem !== null) count.fail(`${at}.value`, valueProblem);
		headers.push({ header: name as string, value: headerValue as string });
	});
	return count.errors() === 0 ? headers : null;
}

function validateNameList(field: string, input: unknown, problemOf: (name: unknown) => string | null, fail: Fail): string[] | null {
	if (input === null) return [];
	const list = parseCsvList(input);
	if (list === null) {
		fail(field, 'must be a list of names');
		return null;
	}
	if (list.length > MAX_EXPECTED) {
		fail(field, `must list at most ${MAX_EXPECTED} names`);
		return null;
	}
	const count = errorCounter(fail);
	list.forEach((name, index) => {
		const problem = problemOf(name);
		if (problem !== null) count.fail(`${field}[${index}]`, problem);
	});
	return count.errors() === 0 ? list : null;
}

/** The sample to store, or undefined when invalid. The app's JSON editor may send it as text. */
function validateSample(input: unknown, fail: Fail): Record<string, unknown> | null | undefined {
	if (input === null || input === '') return null;
	let sample: unknown = input;
	if (typeof input === 'string') {
		try {
			sample = JSON.parse(input);
		} catch {
			fail('expected_body', 'must be a JSON object or null (the text is not valid JSON)');
			return undefined;
		}
	}
	if (!isPlainObject(sample)) {
		fail('expected_body', 'must be a JSON object or null');
		return undefined;
	}
	if (typeof input === 'string' && prototypeKeyPaths(sample).length > 0) {
		fail('expected_body', 'prototype keys (__proto__, constructor, prototype) are not allowed');
		return undefined;
	}
	const problem = jsonObjectProblem(sample, MAX_SAMPLE_DEPTH, MAX_SAMPLE_CHARS);
	if (problem !== null) {
		fail('expected_body', problem);
		return undefined;
	}
	return sample;
}
