// The schema of inbound endpoint config, shared by the API (every write path) and the app (live
// form errors), so it is pure and browser-safe. Every error names its field path; reasons state
// limits rather than echoing whole values, and never quote a secret.
import * as v from 'valibot';
import {
	AUTH_PRESETS, DEFAULT_FAILURE_STATUSES, ENDPOINT_METHODS, ENDPOINT_READONLY_FIELDS, ENDPOINT_STATUSES, ENDPOINT_WRITABLE_FIELDS, FAILURE_KINDS,
	HMAC_ALGORITHMS, HMAC_ENCODINGS, JWT_ALGORITHMS, MAPPING_TYPES, MAX_BODY_BYTES_LIMIT, MAX_COLLECTION_NAME, MAX_MAPPINGS, MAX_RATE_LIMIT_PER_MINUTE,
	MAX_RESPONSE_BODY_BYTES, MAX_IP_ALLOW_ENTRIES, MAX_SECRETS, MAX_SECRET_LENGTH, MAX_TOLERANCE_SECONDS, MAX_VERIFY_TOKEN_LENGTH, PROVIDER_SECRET_PRESETS, RESPONSE_STATUSES, STORAGE_FIELDS,
	type AuthPreset, type EndpointInput,
} from './inbound-endpoint';
import { isPassiveResponseType, refusedResponseHeader } from './inbound-response';
import { parseIpRange } from './ip-range';
import { FORBIDDEN_SEGMENTS, pathSegments } from './json-path';
import {
	HEADER_INJECTION, HEADER_VALUE_CHARS, MAX_LISTED, MAX_NAME, boundedText, closedObject, csvList, displayName, entryList, enumList, firstProblem, flag,
	headerName, headerValue, isPlainObject, jsonObject, mediaType, nonEmptyText, oneOf, problemOf, quote, validateConfig, wholeNumber, type ConfigResult,
} from './validation';
import { MASK } from './webhook';

export { AUTH_PRESETS, ENDPOINT_DEFAULTS } from './inbound-endpoint';

export type EndpointValidationResult = ConfigResult<EndpointInput>;

export interface ValidateEndpointOptions {
	mode: 'create' | 'update';
	/** The stored preset, so an update may change auth_config without resending auth. */
	currentAuth?: AuthPreset;
	/** Secrets come already sealed by the server (a rotation, a prepared create): given, but not checked here. */
	sealedSecrets?: boolean;
}

const REQUIRED_ON_CREATE: readonly string[] = ['name', 'suffix'];
const SUFFIX_CHAR = /^[A-Za-z0-9_/-]$/;
// Unreserved URL characters: a name that never needs percent-encoding.
const QUERY_NAME = /^[A-Za-z0-9._~-]+$/;
// The extension or the HTTP layer sets these; content type has its own field.
const RESERVED_RESPONSE_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer']);
// Lower-case SQL-safe identifiers; Directus's own tables start with directus_.
const COLLECTION_NAME = /^[a-z][a-z0-9_]*$/;
const MAPPED_FIELD = /^[a-z][a-z0-9_]*$/;
const MAPPING_ROOTS = ['body', 'headers', 'query'];
// Names the databases keep for their own tables and schemas, on any of them (a project may move).
const DATABASE_RESERVED_PREFIXES = ['sqlite_', 'pg_'];
const DATABASE_RESERVED_NAMES = new Set(['information_schema', 'mysql', 'performance_schema', 'sys']);
const MAX_SUFFIX = 200;
const MAX_QUERY_NAME = 128;
const MAX_PREFIX = 64;
const MAX_RESPONSE_HEADERS = 50;
const MAX_EXPECTED = 100;
const MAX_SAMPLE_DEPTH = 20;
const MAX_SAMPLE_CHARS = 64 * 1024;
const MAX_FIELD_NAME = 60;

/** How a character is named in an error: spaces and controls would be invisible when quoted. */
function describeChar(char: string): string {
	if (char === ' ') return 'a space';
	if (char === '\t') return 'a tab';
	const code = char.codePointAt(0)!;
	if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
	return JSON.stringify(char);
}

const badSuffixChars = (suffix: string) => [...new Set(Array.from(suffix).filter((char) => !SUFFIX_CHAR.test(char)))];

const suffix = firstProblem(v.pipe(
	nonEmptyText(MAX_SUFFIX),
	v.check((text) => badSuffixChars(text).length === 0, (issue) => {
		const bad = badSuffixChars(issue.input as string);
		const named = bad.slice(0, MAX_LISTED).map(describeChar).join(', ');
		return `${named}${bad.length > MAX_LISTED ? ` and ${bad.length - MAX_LISTED} more` : ''} ${bad.length === 1 ? 'is' : 'are'} not allowed; use letters, digits, / and - or _ (for example - or _ instead of a space)`;
	}),
	v.check((text) => !text.startsWith('/') && !text.endsWith('/'), 'must not start or end with /'),
	v.check((text) => !text.includes('//'), 'must not contain // (empty path segments)'),
));

export const suffixProblem = (value: unknown): string | null => problemOf(suffix, value);

const collectionName = firstProblem(v.pipe(
	boundedText(MAX_COLLECTION_NAME, COLLECTION_NAME, 'must start with a lower-case letter and hold only a-z, 0-9 and _'),
	v.check((name) => !name.startsWith('directus_') && !name.startsWith('webhooks_') && name !== 'webhooks', 'directus_ and webhooks_ names are reserved'),
	v.check(
		(name) => !DATABASE_RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix)) && !DATABASE_RESERVED_NAMES.has(name),
		(issue) => `${quote(issue.input as string)} is reserved by the database (sqlite_, pg_, information_schema, mysql, performance_schema, sys)`,
	),
));

export const collectionNameProblem = (value: unknown): string | null => problemOf(collectionName, value);

const queryName = boundedText(MAX_QUERY_NAME, QUERY_NAME, 'must be a query parameter name (letters, digits and . _ ~ -)');

/** A header name stored in lower case: Node hands request headers over that way. */
const lowerHeaderName = v.pipe(headerName, v.toLowerCase());

/** Absent, null and '' all mean "none". */
const orNone = <TSchema extends v.GenericSchema>(schema: TSchema) =>
	v.pipe(v.unknown(), v.transform((value) => (value === null || value === '' ? undefined : value)), v.optional(schema));

const mappingPath = firstProblem(v.pipe(
	nonEmptyText(MAX_NAME, 'must be a non-empty path such as body.data.id'),
	v.check((path) => pathSegments(path) !== null, 'must be a dotted path with optional [n] indexes, such as body.items[0].id'),
	v.check((path) => {
		const segments = pathSegments(path)!;
		return MAPPING_ROOTS.includes(segments[0]!) && segments.length >= 2;
	}, `must start with ${MAPPING_ROOTS.map((root) => `${root}.`).join(', ')}`),
	v.check((path) => !pathSegments(path)!.some((segment) => FORBIDDEN_SEGMENTS.has(segment)), 'prototype keys (__proto__, constructor, prototype) are not allowed'),
));

export const mappingPathProblem = (value: unknown): string | null => problemOf(mappingPath, value);

const FIELD_RULE = `must be a field name of at most ${MAX_FIELD_NAME} characters: a lower-case letter, then a-z, 0-9 and _`;

const mapping = closedObject({
	path: mappingPath,
	field: firstProblem(v.pipe(
		v.string(FIELD_RULE),
		v.regex(MAPPED_FIELD, FIELD_RULE),
		v.maxLength(MAX_FIELD_NAME, FIELD_RULE),
		v.check((field) => !(STORAGE_FIELDS as readonly string[]).includes(field), (issue) => `${quote(issue.input as string)} is a built-in field of the storage collection`),
	)),
	type: v.nullish(oneOf(MAPPING_TYPES), 'string'),
}, { notObject: 'must be an object { path, field, type }', unknownKey: 'is not a mapping property (use path, field, type)' });

const responseHeader = closedObject({
	header: firstProblem(v.pipe(
		headerName,
		v.check((name) => !RESERVED_RESPONSE_HEADERS.has(name.toLowerCase()), (issue) => `${quote(issue.input as string)} is set by the server and cannot be overridden`),
		v.check((name) => refusedResponseHeader(name) === null, (issue) => refusedResponseHeader(issue.input as string)!),
	)),
	value: headerValue,
}, { notObject: 'must be an object { header, value }', unknownKey: 'is not a header property (use header, value)' });

/** Names a request is expected to carry; null is none. */
const nameList = (entry: v.GenericSchema<string, string>) => v.pipe(
	v.nullable(csvList('must be a list of names'), []),
	v.maxLength(MAX_EXPECTED, `must list at most ${MAX_EXPECTED} names`),
	v.array(entry),
	v.transform((names) => [...new Set(names)]),
);

/** A sample body; the app's JSON editor may send it as text. Its top-level keys are what strict mode requires. */
const sample = v.pipe(
	v.unknown(),
	v.rawTransform(({ dataset, addIssue }) => {
		const value = dataset.value;
		if (typeof value !== 'string') return value;
		if (value === '') return null;
		try {
			return JSON.parse(value) as unknown;
		} catch {
			addIssue({ message: 'must be a JSON object or null (the text is not valid JSON)' });
			return null;
		}
	}),
	v.nullable(jsonObject('must be a JSON object or null', MAX_SAMPLE_DEPTH, MAX_SAMPLE_CHARS)),
);

const responseBody = v.pipe(
	v.nullable(v.pipe(
		v.string('must be a string or null'),
		v.check((body) => new TextEncoder().encode(body).length <= MAX_RESPONSE_BODY_BYTES, `must be at most ${MAX_RESPONSE_BODY_BYTES} bytes`),
	)),
	v.transform((body) => (body === '' ? null : body)),
);

const contentType = firstProblem(v.pipe(
	mediaType,
	v.check(isPassiveResponseType, 'must be JSON (application/json, application/*+json), text/plain, XML (application/xml, text/xml) or application/x-www-form-urlencoded: answers are served from the Directus origin, where HTML or scripts would run'),
));

const failureStatuses = v.nullable(closedObject(
	// A 2xx would tell the caller its request was stored when it was not.
	Object.fromEntries(FAILURE_KINDS.map((kind) => [kind, v.optional(wholeNumber(400, 499, 'must be a 4xx status code (400 to 499)'))])),
	{ notObject: `must be an object such as ${JSON.stringify(DEFAULT_FAILURE_STATUSES)}`, unknownKey: `is not a failure kind (use ${FAILURE_KINDS.join(', ')})` },
), {});

const IP_RULE = 'must be an IPv4 or IPv6 address or a CIDR range, such as 203.0.113.7, 198.51.100.0/24 or 2001:db8::/32';

/** Caller addresses allowed; each bad entry is named by its index. */
const ipAllowList = v.pipe(
	v.nullable(csvList('must be a list of IP addresses or CIDR ranges'), []),
	v.maxLength(MAX_IP_ALLOW_ENTRIES, `must list at most ${MAX_IP_ALLOW_ENTRIES} addresses or ranges`),
	v.array(v.pipe(v.string(IP_RULE), v.check((entry) => parseIpRange(entry) !== null, (issue) => `${quote(String(issue.input).slice(0, 64))} ${IP_RULE}`))),
	v.transform((entries) => [...new Set(entries.map((entry) => entry.trim()))]),
);

// ---- auth_config, by preset ----

const noOptions = v.nullable(closedObject({}, { notObject: 'must be an object or null', unknownKey: 'this auth preset takes no options' }), {});

const optionsOf = (preset: string, options: readonly string[]) => ({
	notObject: `must be an object with the ${preset} options`,
	unknownKey: `is not an option of this auth preset (use ${options.join(', ')})`,
});

/** The key is read from exactly one place: a header or a query parameter. */
const apiKeyConfig = v.pipe(
	closedObject({ header: v.nullish(lowerHeaderName), query: v.nullish(queryName) }, optionsOf('api_key', ['header', 'query'])),
	v.partialCheck([['header'], ['query']], (config) => (config.header != null) !== (config.query != null), 'set exactly one of header or query: where the key is sent'),
	v.transform((config) => (config.header != null ? { header: config.header } : { query: config.query! })),
);

const HMAC_OPTIONS = ['header', 'algorithm', 'encoding', 'prefix', 'timestampHeader', 'toleranceSeconds', 'deliveryIdHeader'] as const;

const hmacConfig = v.pipe(
	closedObject({
		header: firstProblem(v.pipe(v.custom((value) => value !== undefined, 'is required'), lowerHeaderName)),
		algorithm: oneOf(HMAC_ALGORITHMS),
		encoding: oneOf(HMAC_ENCODINGS),
		prefix: orNone(firstProblem(v.pipe(
			v.string(`must be printable text of at most ${MAX_PREFIX} characters`),
			v.maxLength(MAX_PREFIX, `must be printable text of at most ${MAX_PREFIX} characters`),
			v.check((prefix) => !HEADER_INJECTION.test(prefix) && HEADER_VALUE_CHARS.test(prefix), `must be printable text of at most ${MAX_PREFIX} characters`),
		))),
		timestampHeader: orNone(lowerHeaderName),
		toleranceSeconds: v.nullish(wholeNumber(1, MAX_TOLERANCE_SECONDS, `must be a whole number of seconds from 1 to ${MAX_TOLERANCE_SECONDS}`)),
		deliveryIdHeader: orNone(lowerHeaderName),
	}, optionsOf('hmac', HMAC_OPTIONS)),
	v.forward(
		v.partialCheck([['timestampHeader'], ['toleranceSeconds']], (config) => config.toleranceSeconds == null || config.timestampHeader !== undefined, 'only applies with a timestampHeader'),
		['toleranceSeconds'],
	),
	v.transform((config) => Object.fromEntries(Object.entries(config).filter(([, value]) => value != null))),
);

// The server seals the token on write and reads return the sealed form, which the app may send back unchanged.
const SEALED_PREFIX = 'wh1:';
const MAX_SEALED_TOKEN = 1024;
const VERIFY_TOKEN_RULE = `must be printable text of 1 to ${MAX_VERIFY_TOKEN_LENGTH} characters (no spaces): the verify token typed into Meta's dashboard`;

const metaConfig = closedObject({
	verifyToken: firstProblem(v.pipe(
		v.custom((value) => value !== undefined && value !== null, 'is required: the verify token typed into Meta\'s dashboard'),
		v.string(VERIFY_TOKEN_RULE),
		v.check((token) => /^[\x21-\x7e]+$/.test(token) && token !== MASK, VERIFY_TOKEN_RULE),
		v.check((token) => token.length <= (token.startsWith(SEALED_PREFIX) ? MAX_SEALED_TOKEN : MAX_VERIFY_TOKEN_LENGTH), VERIFY_TOKEN_RULE),
	)),
}, optionsOf('meta', ['verifyToken']));

const JWT_OPTIONS = ['algorithms', 'issuer', 'audience', 'publicKey', 'jwksUrl'] as const;
const MAX_CLAIM = 512;
const MAX_PUBLIC_KEY = 16 * 1024;
const MAX_URL = 2048;
const PEM_PUBLIC_KEY = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\s*$/;
const isSymmetric = (algorithm: string) => algorithm.startsWith('HS');

const jwtConfig = v.pipe(
	closedObject({
		algorithms: firstProblem(v.pipe(v.custom((value) => value !== undefined && value !== null, `is required: the accepted algorithms (${JWT_ALGORITHMS.join(', ')})`), enumList(JWT_ALGORITHMS, 'algorithm'))),
		issuer: orNone(nonEmptyText(MAX_CLAIM, `must be the expected iss, at most ${MAX_CLAIM} characters`)),
		audience: orNone(nonEmptyText(MAX_CLAIM, `must be the expected aud, at most ${MAX_CLAIM} characters`)),
		publicKey: orNone(firstProblem(v.pipe(
			v.string('must be a PEM public key (-----BEGIN PUBLIC KEY-----)'),
			v.maxLength(MAX_PUBLIC_KEY, `must be at most ${MAX_PUBLIC_KEY} characters`),
			v.regex(PEM_PUBLIC_KEY, 'must be a PEM public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)'),
		))),
		jwksUrl: orNone(firstProblem(v.pipe(
			v.string('must be an http(s) URL'),
			v.maxLength(MAX_URL, `must be at most ${MAX_URL} characters`),
			v.check((url) => /^https?:\/\/[^\s]+$/i.test(url) && URL.canParse(url), 'must be an http(s) URL'),
		))),
	}, optionsOf('jwt', JWT_OPTIONS)),
	v.forward(
		v.partialCheck([['algorithms'], ['publicKey'], ['jwksUrl']], (config) => {
			const asymmetric = (config.algorithms ?? []).some((algorithm) => !isSymmetric(algorithm));
			const keys = (config.publicKey != null ? 1 : 0) + (config.jwksUrl != null ? 1 : 0);
			return asymmetric ? keys === 1 : keys === 0;
		}, 'set exactly one of publicKey or jwksUrl for RS, PS and ES algorithms, and neither with HS algorithms only (they use the secrets)'),
		['algorithms'],
	),
	v.transform((config) => Object.fromEntries(Object.entries(config).filter(([, value]) => value != null))),
);

function authConfigOf(preset: AuthPreset): v.GenericSchema {
	if (preset === 'jwt') return jwtConfig;
	if (preset === 'api_key') return apiKeyConfig;
	if (preset === 'hmac') return hmacConfig;
	if (preset === 'meta') return metaConfig;
	return noOptions;
}

export function isProviderSecretPreset(preset: AuthPreset | undefined): boolean {
	return (PROVIDER_SECRET_PRESETS as readonly string[]).includes(preset ?? '');
}

/** Secrets as a list; one string is one secret (what a plain text input sends). Reasons never quote a secret. */
function secrets(preset: AuthPreset | undefined, required: string | null) {
	return v.pipe(
		v.custom<string | string[] | null>((value) => value === null || typeof value === 'string' || (Array.isArray(value) && value.every((secret) => typeof secret === 'string')), 'must be a list of strings'),
		v.transform((value) => (value === null ? [] : typeof value === 'string' ? [value] : value)),
		v.maxLength(MAX_SECRETS, `must hold at most ${MAX_SECRETS} secrets`),
		v.array(firstProblem(v.pipe(
			v.string('must be a list of strings'),
			v.check((secret) => secret !== '' && secret !== MASK, 'must be a non-empty secret'),
			v.maxLength(MAX_SECRET_LENGTH, `must be at most ${MAX_SECRET_LENGTH} characters`),
			v.check((secret) => !/[\x00-\x1f\x7f]/.test(secret) && HEADER_VALUE_CHARS.test(secret), 'must be printable text (no line breaks or control characters)'),
			v.check((secret) => preset !== 'basic' || secret.includes(':'), 'must be user:password for basic auth'),
		))),
		v.transform((list) => [...new Set(list)]),
		v.check((list) => required === null || list.length > 0, required ?? ''),
	);
}

function endpointSchema(input: Record<string, unknown>, options: ValidateEndpointOptions) {
	const creating = options.mode === 'create';
	const sent = AUTH_PRESETS.find((preset) => preset === input.auth);
	const authGiven = input.auth !== undefined;
	// The preset the config belongs to: the one sent, the stored one, or on create the default.
	const preset = sent ?? (authGiven ? undefined : options.currentAuth ?? (creating ? 'none' : undefined));
	// Switching to a preset that needs options: the stored ones belong to another preset.
	const needsConfig = (sent === 'api_key' || sent === 'hmac' || sent === 'meta' || sent === 'jwt') && (creating || sent !== options.currentAuth);
	const providerSecret = creating && isProviderSecretPreset(preset) ? `is required when auth is ${preset}: paste the signing secret the provider shows` : null;

	const field = <TSchema extends v.GenericSchema>(key: string, schema: TSchema) =>
		creating && REQUIRED_ON_CREATE.includes(key) ? v.nonNullish(schema, 'is required') : v.optional(schema);
	// An unknown preset is its own error; its config is not judged against some other preset.
	const authConfig = preset !== undefined ? authConfigOf(preset) : authGiven ? v.unknown() : v.never('send auth together with auth_config');
	const entries = {
		name: field('name', displayName),
		suffix: field('suffix', suffix),
		methods: field('methods', enumList(ENDPOINT_METHODS, 'method', (method) => method.toUpperCase())),
		status: field('status', oneOf(ENDPOINT_STATUSES)),
		auth: field('auth', oneOf(AUTH_PRESETS)),
		auth_config: needsConfig ? v.nonOptional(authConfig, `is required when auth is ${sent}`) : v.optional(authConfig),
		tolerance_seconds: field('tolerance_seconds', wholeNumber(1, MAX_TOLERANCE_SECONDS, `must be a whole number of seconds from 1 to ${MAX_TOLERANCE_SECONDS}`)),
		dedupe_header: field('dedupe_header', v.pipe(v.unknown(), v.transform((header) => (header === '' ? null : header)), v.nullable(lowerHeaderName))),
		response_status: field('response_status', oneOf(RESPONSE_STATUSES)),
		response_headers: field('response_headers', entryList(responseHeader, { notList: 'must be a list of { header, value }', max: MAX_RESPONSE_HEADERS }, 'header')),
		response_body: field('response_body', responseBody),
		response_content_type: field('response_content_type', contentType),
		max_body_bytes: field('max_body_bytes', wholeNumber(1, MAX_BODY_BYTES_LIMIT, `must be a whole number of bytes from 1 to ${MAX_BODY_BYTES_LIMIT} (50 MB)`)),
		rate_limit_per_minute: field('rate_limit_per_minute', v.nullable(wholeNumber(1, MAX_RATE_LIMIT_PER_MINUTE, `must be null (no limit) or a whole number from 1 to ${MAX_RATE_LIMIT_PER_MINUTE}`))),
		strict: field('strict', flag),
		// Header names are case-insensitive; Node hands them over in lower case.
		expected_headers: field('expected_headers', nameList(lowerHeaderName)),
		expected_query: field('expected_query', nameList(queryName)),
		expected_body: field('expected_body', sample),
		collection: field('collection', creating ? collectionName : v.never('cannot be changed: the stored requests live in that collection')),
		// Sealed secrets (sent by the server itself) stand in for missing ones.
		secrets: providerSecret !== null && !options.sealedSecrets ? v.nonOptional(secrets(preset, providerSecret), providerSecret) : v.optional(secrets(preset, providerSecret)),
		failure_statuses: field('failure_statuses', failureStatuses),
		field_mappings: field('field_mappings', entryList(mapping, { notList: 'must be a list of { path, field, type }', max: MAX_MAPPINGS }, 'field')),
		ip_allow_list: field('ip_allow_list', ipAllowList),
	} satisfies Record<(typeof ENDPOINT_WRITABLE_FIELDS)[number], v.GenericSchema>;
	return v.pipe(
		v.object(entries),
		v.forward(
			v.partialCheck([['response_status'], ['response_body']], (config) => config.response_body == null || config.response_status !== 204, 'must be empty when response_status is 204 (No Content)'),
			['response_body'],
		),
	);
}

export function validateEndpoint(input: unknown, options: ValidateEndpointOptions): EndpointValidationResult {
	return validateConfig<EndpointInput>(input, endpointSchema(isPlainObject(input) ? input : {}, options), {
		mode: options.mode,
		readonly: ENDPOINT_READONLY_FIELDS,
		noun: 'an endpoint',
		mayBeEmpty: options.sealedSecrets,
	});
}
