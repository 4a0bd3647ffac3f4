import { describe, expect, it } from 'vitest';
import { AUTH_PRESETS, ENDPOINT_DEFAULTS, suffixProblem, validateEndpoint } from '../../extensions/src/shared/validate-endpoint';
import { formatErrors } from '../../extensions/src/shared/validate-webhook';
import type { AuthPreset } from '../../extensions/src/shared/inbound-endpoint';
import type { FieldError } from '../../extensions/src/shared/webhook';
import { seededRandom } from '../support/seeded-random';

const valid = (): Record<string, unknown> => ({ name: 'GitHub pushes', suffix: 'github/push' });

type Options = { mode?: 'create' | 'update'; currentAuth?: AuthPreset; sealedSecrets?: boolean };

function check(input: unknown, options: Options = {}) {
	return validateEndpoint(input, {
		mode: options.mode ?? 'create',
		...(options.currentAuth ? { currentAuth: options.currentAuth } : {}),
		...(options.sealedSecrets !== undefined ? { sealedSecrets: options.sealedSecrets } : {}),
	});
}

function errorsOf(input: unknown, options: Options = {}): FieldError[] {
	const result = check(input, options);
	if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.value)}`);
	return result.errors;
}

const fieldsOf = (input: unknown, options: Options = {}): string[] => errorsOf(input, options).map((error) => error.field).sort();

function valueOf(input: unknown, options: Options = {}) {
	const result = check(input, options);
	if (!result.ok) throw new Error(`expected success, got ${formatErrors(result.errors)}`);
	return result.value;
}

const reasonFor = (input: unknown, field: string, options: Options = {}): string => {
	const error = errorsOf(input, options).find((candidate) => candidate.field === field);
	if (error === undefined) throw new Error(`no error for ${field}`);
	return error.reason;
};

describe('validateEndpoint: valid input', () => {
	it('accepts a minimal create and returns only what was given', () => {
		expect(valueOf(valid())).toEqual({ name: 'GitHub pushes', suffix: 'github/push' });
	});

	it('accepts and normalises a full config', () => {
		const value = valueOf({
			...valid(),
			name: '  Orders  ',
			methods: 'post, get,POST',
			status: 'inactive',
			auth: 'hmac',
			auth_config: { header: 'X-Signature', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', timestampHeader: 'X-Timestamp', toleranceSeconds: 60, deliveryIdHeader: 'X-Delivery' },
			tolerance_seconds: 600,
			dedupe_header: 'X-Request-Id',
			response_status: 202,
			response_headers: [{ header: 'X-Accepted', value: 'yes' }],
			response_body: '{"id": {{ item.id }}}',
			response_content_type: 'application/json; charset=utf-8',
			max_body_bytes: 50 * 1024 * 1024,
			rate_limit_per_minute: 100_000,
			strict: true,
			expected_headers: ['X-GitHub-Event', 'x-github-event'],
			expected_query: 'a, b',
			expected_body: { action: 'opened', repository: { id: 1 } },
		});
		expect(value).toEqual({
			name: 'Orders',
			suffix: 'github/push',
			methods: ['POST', 'GET'],
			status: 'inactive',
			auth: 'hmac',
			auth_config: { header: 'x-signature', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', timestampHeader: 'x-timestamp', toleranceSeconds: 60, deliveryIdHeader: 'x-delivery' },
			tolerance_seconds: 600,
			dedupe_header: 'x-request-id',
			response_status: 202,
			response_headers: [{ header: 'X-Accepted', value: 'yes' }],
			response_body: '{"id": {{ item.id }}}',
			response_content_type: 'application/json; charset=utf-8',
			max_body_bytes: 52_428_800,
			rate_limit_per_minute: 100_000,
			strict: true,
			expected_headers: ['x-github-event'],
			expected_query: ['a', 'b'],
			expected_body: { action: 'opened', repository: { id: 1 } },
		});
	});

	it('accepts boundary values and nulls where allowed', () => {
		expect(valueOf({ ...valid(), max_body_bytes: 1, rate_limit_per_minute: 1, tolerance_seconds: 1 })).toMatchObject({ max_body_bytes: 1, rate_limit_per_minute: 1, tolerance_seconds: 1 });
		expect(valueOf({ ...valid(), tolerance_seconds: 86_400 }).tolerance_seconds).toBe(86_400);
		expect(valueOf({ ...valid(), rate_limit_per_minute: null, dedupe_header: null, response_body: null, expected_body: null, response_headers: null, expected_headers: null }))
			.toMatchObject({ rate_limit_per_minute: null, dedupe_header: null, response_body: null, expected_body: null, response_headers: [], expected_headers: [] });
	});

	it('parses expected_body given as JSON text', () => {
		expect(valueOf({ ...valid(), expected_body: '{"a":1}' }).expected_body).toEqual({ a: 1 });
	});

	it('accepts every response status and auth preset without options', () => {
		for (const status of [200, 201, 202, 204]) expect(valueOf({ ...valid(), response_status: status }).response_status).toBe(status);
		for (const auth of ['none', 'basic', 'standard_webhooks', 'github', 'stripe', 'shopify', 'slack'] as const) {
			// The providers that issue their own secret need it on create.
			const secrets = ['stripe', 'shopify', 'slack'].includes(auth) ? { secrets: ['s3cret'] } : {};
			expect(valueOf({ ...valid(), auth, ...secrets })).toEqual({ ...valid(), auth, ...secrets });
			expect(valueOf({ ...valid(), auth, ...secrets, auth_config: {} }).auth_config).toEqual({});
			expect(valueOf({ ...valid(), auth, ...secrets, auth_config: null }).auth_config).toEqual({});
		}
	});

	it('exports the presets and defaults', () => {
		expect(AUTH_PRESETS).toEqual(['none', 'api_key', 'basic', 'standard_webhooks', 'github', 'stripe', 'shopify', 'slack', 'hmac', 'meta', 'zoom', 'microsoft_graph', 'twilio', 'jwt']);
		expect(ENDPOINT_DEFAULTS).toMatchObject({ methods: ['POST'], status: 'active', auth: 'none', tolerance_seconds: 300, response_status: 200, max_body_bytes: 1_048_576, rate_limit_per_minute: null, strict: false });
	});

	it('accepts a partial update', () => {
		expect(valueOf({ strict: true }, { mode: 'update' })).toEqual({ strict: true });
	});
});

describe('validateEndpoint: body and keys', () => {
	it.each([null, [], 'x', 1, new Date()])('rejects a non-object body %#', (input) => {
		expect(errorsOf(input)).toEqual([{ field: '(body)', reason: 'must be a JSON object' }]);
	});

	it('requires name and suffix on create only', () => {
		expect(fieldsOf({})).toEqual(['name', 'suffix']);
		expect(fieldsOf({ name: null, suffix: null })).toEqual(['name', 'suffix']);
		expect(fieldsOf({}, { mode: 'update' })).toEqual(['(body)']);
	});

	it('rejects read-only and unknown keys by name', () => {
		const errors = errorsOf({ ...valid(), id: 3, date_created: 'x', secret: 'x', url: 'https://x' });
		expect(errors).toEqual([
			{ field: 'id', reason: 'is read-only' },
			{ field: 'date_created', reason: 'is read-only' },
			{ field: 'secret', reason: '"secret" is not an endpoint field' },
			{ field: 'url', reason: 'is read-only' },
		]);
	});

	it('rejects prototype keys at their exact path, and still checks other fields', () => {
		const input = JSON.parse('{"name":"a","suffix":"b","__proto__":{"x":1},"expected_body":{"a":{"constructor":1}},"auth":"api_key","auth_config":{"prototype":1,"header":"x"},"strict":"yes"}');
		expect(fieldsOf(input)).toEqual(['__proto__', 'auth_config.prototype', 'expected_body.a.constructor', 'strict']);
	});

	it('rejects prototype keys inside expected_body given as text', () => {
		expect(reasonFor({ ...valid(), expected_body: '{"__proto__":{}}' }, 'expected_body')).toMatch(/prototype/);
	});

	it('collects every error in one pass', () => {
		expect(fieldsOf({ name: '', suffix: '/x', methods: [], status: 'on', auth: 'oauth', tolerance_seconds: 0, response_status: 500, max_body_bytes: 0, rate_limit_per_minute: 0, strict: 1 }))
			.toEqual(['auth', 'max_body_bytes', 'methods', 'name', 'rate_limit_per_minute', 'response_status', 'status', 'strict', 'suffix', 'tolerance_seconds']);
	});
});

describe('validateEndpoint: name and suffix', () => {
	it.each([['', 'must be a non-empty string'], ['   ', 'must be a non-empty string'], [5, 'must be a non-empty string'], ['x'.repeat(256), 'must be at most 255 characters']])('rejects name %j', (name, reason) => {
		expect(errorsOf({ ...valid(), name })).toEqual([{ field: 'name', reason }]);
	});

	it('accepts a 255 character name', () => {
		expect(valueOf({ ...valid(), name: 'n'.repeat(255) }).name).toHaveLength(255);
	});

	it.each(['a', 'A-b_c/9', 'stripe/v1/events', 'x'.repeat(200)])('accepts suffix %j', (suffix) => {
		expect(valueOf({ ...valid(), suffix }).suffix).toBe(suffix);
	});

	it.each([
		['/leading', 'must not start or end with /'],
		['trailing/', 'must not start or end with /'],
		['/', 'must not start or end with /'],
		['a//b', 'must not contain // (empty path segments)'],
		['', 'must be a non-empty string'],
		[42, 'must be a non-empty string'],
		['x'.repeat(201), 'must be at most 200 characters'],
	])('rejects suffix %j', (suffix, reason) => {
		expect(errorsOf({ ...valid(), suffix })).toEqual([{ field: 'suffix', reason }]);
	});

	it('names a space and suggests - or _', () => {
		const reason = reasonFor({ ...valid(), suffix: 'my hook' }, 'suffix');
		expect(reason).toMatch(/^a space is not allowed/);
		expect(reason).toContain('- or _');
	});

	it('names each other disallowed character', () => {
		expect(suffixProblem('a.b')).toMatch(/^"\." is not allowed/);
		expect(suffixProblem('a?b#c')).toMatch(/^"\?", "#" are not allowed/);
		expect(suffixProblem('a\nb')).toMatch(/^control character U\+000A is not allowed/);
		expect(suffixProblem('café')).toMatch(/^"é" is not allowed/);
		expect(suffixProblem('../etc')).toMatch(/^"\." is not allowed/);
		expect(suffixProblem('a%20b')).toMatch(/^"%" is not allowed/);
	});
});

describe('validateEndpoint: methods and status', () => {
	it.each([[[], 'must be a non-empty list of POST, GET, PUT, PATCH, DELETE'], ['', 'must be a non-empty list of POST, GET, PUT, PATCH, DELETE'], [5, 'must be a non-empty list of POST, GET, PUT, PATCH, DELETE'], [['POST', 1], 'must be a non-empty list of POST, GET, PUT, PATCH, DELETE'], [['POST', 'HEAD', 'OPTIONS'], 'unknown method "HEAD", "OPTIONS" (use POST, GET, PUT, PATCH, DELETE)']])('rejects methods %j', (methods, reason) => {
		expect(errorsOf({ ...valid(), methods })).toEqual([{ field: 'methods', reason }]);
	});

	it('accepts csv and arrays of methods', () => {
		expect(valueOf({ ...valid(), methods: 'PUT,PATCH,DELETE' }).methods).toEqual(['PUT', 'PATCH', 'DELETE']);
		expect(valueOf({ ...valid(), methods: ['get'] }).methods).toEqual(['GET']);
	});

	it.each(['Active', '', null, true])('rejects status %j', (status) => {
		expect(errorsOf({ ...valid(), status })).toEqual([{ field: 'status', reason: 'must be one of active, inactive' }]);
	});
});

describe('validateEndpoint: auth', () => {
	it('rejects an unknown preset without a second error for its config', () => {
		expect(errorsOf({ ...valid(), auth: 'oauth', auth_config: { header: 'x' } })).toEqual([{ field: 'auth', reason: 'must be one of none, api_key, basic, standard_webhooks, github, stripe, shopify, slack, hmac, meta, zoom, microsoft_graph, twilio, jwt' }]);
	});

	it('meta needs a printable verify token besides the app secret', () => {
		expect(valueOf({ ...valid(), auth: 'meta', secrets: ['app'], auth_config: { verifyToken: 'meatyhamhock' } }).auth_config).toEqual({ verifyToken: 'meatyhamhock' });
		expect(errorsOf({ ...valid(), auth: 'meta', secrets: ['app'] }).map((error) => error.field)).toEqual(['auth_config']);
		for (const verifyToken of ['', 'has space', 'x'.repeat(257), 42]) {
			expect(errorsOf({ ...valid(), auth: 'meta', secrets: ['app'], auth_config: { verifyToken } }).map((error) => error.field)).toEqual(['auth_config.verifyToken']);
		}
	});

	it('jwt takes an algorithm allow list (never none) and exactly one key source for asymmetric algorithms', () => {
		expect(valueOf({ ...valid(), auth: 'jwt', auth_config: { algorithms: ['HS256'], issuer: 'https://issuer', audience: null } }).auth_config).toEqual({ algorithms: ['HS256'], issuer: 'https://issuer' });
		expect(valueOf({ ...valid(), auth: 'jwt', auth_config: { algorithms: ['ES256'], jwksUrl: 'https://issuer/.well-known/jwks.json' } }).auth_config).toEqual({ algorithms: ['ES256'], jwksUrl: 'https://issuer/.well-known/jwks.json' });
		expect(errorsOf({ ...valid(), auth: 'jwt', auth_config: { algorithms: ['none'] } }).map((error) => error.field)).toEqual(['auth_config.algorithms']);
		expect(errorsOf({ ...valid(), auth: 'jwt', auth_config: { algorithms: ['RS256'] } })[0]!.reason).toContain('set exactly one of publicKey or jwksUrl');
		expect(errorsOf({ ...valid(), auth: 'jwt', auth_config: { algorithms: ['HS256'], jwksUrl: 'https://x' } })[0]!.reason).toContain('neither with HS algorithms only');
		expect(errorsOf({ ...valid(), auth: 'jwt', auth_config: { algorithms: ['RS256'], publicKey: 'not a key', jwksUrl: 'javascript:alert(1)' } }).map((error) => error.field).sort()).toEqual(['auth_config.jwksUrl', 'auth_config.publicKey']);
	});
});

describe('validateEndpoint: ip_allow_list', () => {
	it('takes IPv4 and IPv6 addresses and CIDR ranges, as a list or csv text', () => {
		expect(valueOf({ ...valid(), ip_allow_list: ['203.0.113.7', '198.51.100.0/24', '2001:db8::/32', '::1', '::ffff:10.0.0.1'] }).ip_allow_list).toEqual(['203.0.113.7', '198.51.100.0/24', '2001:db8::/32', '::1', '::ffff:10.0.0.1']);
		expect(valueOf({ ...valid(), ip_allow_list: '10.0.0.0/8, 10.0.0.0/8' }).ip_allow_list).toEqual(['10.0.0.0/8']);
		expect(valueOf({ ...valid(), ip_allow_list: null }).ip_allow_list).toEqual([]);
	});

	it('names each bad entry by its index', () => {
		const errors = errorsOf({ ...valid(), ip_allow_list: ['10.0.0.1', '256.0.0.1', 'host.example', '10.0.0.0/33', '::1/129', 'fe80::1%eth0', '1.2.3.4/8/1', '01:02:03'] });
		expect(errors.map((error) => error.field)).toEqual(['ip_allow_list[1]', 'ip_allow_list[2]', 'ip_allow_list[3]', 'ip_allow_list[4]', 'ip_allow_list[5]', 'ip_allow_list[6]', 'ip_allow_list[7]']);
	});

	it('takes the api key from a header or the query', () => {
		expect(valueOf({ ...valid(), auth: 'api_key', auth_config: { header: 'X-Api-Key' } }).auth_config).toEqual({ header: 'x-api-key' });
		expect(valueOf({ ...valid(), auth: 'api_key', auth_config: { query: 'key' } }).auth_config).toEqual({ query: 'key' });
	});

	it.each([
		[{}, 'auth_config'],
		[{ header: 'a', query: 'b' }, 'auth_config'],
		[{ header: 'bad header' }, 'auth_config.header'],
		[{ header: '' }, 'auth_config.header'],
		[{ query: 'a&b' }, 'auth_config.query'],
		[{ query: 'q'.repeat(129) }, 'auth_config.query'],
		[{ query: 7 }, 'auth_config.query'],
	])('rejects api_key config %j at %s', (auth_config, field) => {
		expect(fieldsOf({ ...valid(), auth: 'api_key', auth_config })).toEqual([field]);
	});

	it('reports unknown api_key options by path', () => {
		expect(fieldsOf({ ...valid(), auth: 'api_key', auth_config: { header: 'x', value: 'k' } })).toEqual(['auth_config.value']);
	});

	it('requires auth_config for presets that need options', () => {
		expect(errorsOf({ ...valid(), auth: 'api_key' })).toEqual([{ field: 'auth_config', reason: 'is required when auth is api_key' }]);
		expect(errorsOf({ ...valid(), auth: 'hmac', auth_config: null })).toEqual([{ field: 'auth_config', reason: 'must be an object with the hmac options' }]);
		expect(errorsOf({ auth: 'hmac' }, { mode: 'update', currentAuth: 'none' })).toEqual([{ field: 'auth_config', reason: 'is required when auth is hmac' }]);
		expect(valueOf({ auth: 'hmac' }, { mode: 'update', currentAuth: 'hmac' })).toEqual({ auth: 'hmac' });
	});

	it('rejects options for presets that take none', () => {
		expect(errorsOf({ ...valid(), auth: 'github', auth_config: { header: 'x' } })).toEqual([{ field: 'auth_config.header', reason: 'this auth preset takes no options' }]);
		expect(errorsOf({ ...valid(), auth_config: { header: 'x' } })).toEqual([{ field: 'auth_config.header', reason: 'this auth preset takes no options' }]);
		expect(errorsOf({ ...valid(), auth: 'slack', secrets: ['s'], auth_config: 'x' })).toEqual([{ field: 'auth_config', reason: 'must be an object or null' }]);
	});

	it('validates auth_config against the stored preset on update', () => {
		expect(valueOf({ auth_config: { query: 'k' } }, { mode: 'update', currentAuth: 'api_key' })).toEqual({ auth_config: { query: 'k' } });
		expect(errorsOf({ auth_config: { query: 'k' } }, { mode: 'update' })).toEqual([{ field: 'auth_config', reason: 'send auth together with auth_config' }]);
	});

	const hmac = (extra: Record<string, unknown>) => ({ ...valid(), auth: 'hmac', auth_config: { header: 'X-Sig', algorithm: 'sha512', encoding: 'base64', ...extra } });

	it('accepts a minimal hmac config', () => {
		expect(valueOf(hmac({})).auth_config).toEqual({ header: 'x-sig', algorithm: 'sha512', encoding: 'base64' });
		expect(valueOf(hmac({ algorithm: 'sha1', encoding: 'hex' })).auth_config).toEqual({ header: 'x-sig', algorithm: 'sha1', encoding: 'hex' });
	});

	it.each([
		[{ header: undefined }, 'auth_config.header', 'is required'],
		[{ header: 'x y' }, 'auth_config.header', 'must be a valid header name (letters, digits and !#$%&\'*+-.^_`|~)'],
		[{ algorithm: 'md5' }, 'auth_config.algorithm', 'must be one of sha1, sha256, sha512'],
		[{ algorithm: 'SHA256' }, 'auth_config.algorithm', 'must be one of sha1, sha256, sha512'],
		[{ encoding: 'base64url' }, 'auth_config.encoding', 'must be one of hex, base64'],
		[{ prefix: 'a\r\nb' }, 'auth_config.prefix', 'must be printable text of at most 64 characters'],
		[{ prefix: 'p'.repeat(65) }, 'auth_config.prefix', 'must be printable text of at most 64 characters'],
		[{ prefix: 3 }, 'auth_config.prefix', 'must be printable text of at most 64 characters'],
		[{ timestampHeader: 'a:b' }, 'auth_config.timestampHeader', 'must be a valid header name (letters, digits and !#$%&\'*+-.^_`|~)'],
		[{ deliveryIdHeader: 9 }, 'auth_config.deliveryIdHeader', 'must be a non-empty string'],
		[{ timestampHeader: 't', toleranceSeconds: 0 }, 'auth_config.toleranceSeconds', 'must be a whole number of seconds from 1 to 86400'],
		[{ timestampHeader: 't', toleranceSeconds: 86_401 }, 'auth_config.toleranceSeconds', 'must be a whole number of seconds from 1 to 86400'],
		[{ timestampHeader: 't', toleranceSeconds: 1.5 }, 'auth_config.toleranceSeconds', 'must be a whole number of seconds from 1 to 86400'],
		[{ toleranceSeconds: 30 }, 'auth_config.toleranceSeconds', 'only applies with a timestampHeader'],
		[{ secret: 'x' }, 'auth_config.secret', 'is not an option of this auth preset (use header, algorithm, encoding, prefix, timestampHeader, toleranceSeconds, deliveryIdHeader)'],
	])('rejects hmac option %j', (extra, field, reason) => {
		expect(errorsOf(hmac(extra))).toEqual([{ field, reason }]);
	});

	it('accepts hmac tolerance bounds', () => {
		expect(valueOf(hmac({ timestampHeader: 't', toleranceSeconds: 1 })).auth_config).toMatchObject({ toleranceSeconds: 1 });
		expect(valueOf(hmac({ timestampHeader: 't', toleranceSeconds: 86_400 })).auth_config).toMatchObject({ toleranceSeconds: 86_400 });
	});
});

describe('validateEndpoint: numbers and flags', () => {
	it.each([0, -1, 86_401, 1.5, '300', Number.NaN, Infinity])('rejects tolerance_seconds %j', (tolerance_seconds) => {
		expect(fieldsOf({ ...valid(), tolerance_seconds })).toEqual(['tolerance_seconds']);
	});

	it.each([0, 52_428_801, 1.1, '1024', -5])('rejects max_body_bytes %j', (max_body_bytes) => {
		expect(errorsOf({ ...valid(), max_body_bytes })).toEqual([{ field: 'max_body_bytes', reason: 'must be a whole number of bytes from 1 to 52428800 (50 MB)' }]);
	});

	it.each([0, 100_001, 2.5, '10', false])('rejects rate_limit_per_minute %j', (rate_limit_per_minute) => {
		expect(errorsOf({ ...valid(), rate_limit_per_minute })).toEqual([{ field: 'rate_limit_per_minute', reason: 'must be null (no limit) or a whole number from 1 to 100000' }]);
	});

	it.each([[1, 'must be true or false'], ['true', 'must be the boolean true or false, not a string']])('rejects strict %j', (strict, reason) => {
		expect(errorsOf({ ...valid(), strict })).toEqual([{ field: 'strict', reason }]);
	});

	it.each([200.5, '200', 404, 500, 302])('rejects response_status %j', (response_status) => {
		expect(errorsOf({ ...valid(), response_status })).toEqual([{ field: 'response_status', reason: 'must be one of 200, 201, 202, 204' }]);
	});
});

describe('validateEndpoint: response', () => {
	it('rejects malformed response headers at their index', () => {
		const errors = errorsOf({
			...valid(),
			response_headers: [
				{ header: 'X-Ok', value: 'a' },
				'nope',
				{ header: 'bad name', value: 'b' },
				{ header: 'X-Inject', value: 'a\r\nSet-Cookie: x' },
				{ header: 'x-ok', value: 'dup' },
				{ header: 'Content-Length', value: '1' },
				{ header: 'Content-Type', value: 'text/plain' },
				{ header: 'X-Num', value: 5 },
				{ header: 'X-Extra', value: 'v', secret: true },
				{ value: 'no name' },
			],
		});
		expect(errors.map((error) => error.field)).toEqual([
			'response_headers[1]',
			'response_headers[2].header',
			'response_headers[3].value',
			'response_headers[4].header',
			'response_headers[5].header',
			'response_headers[6].header',
			'response_headers[7].value',
			'response_headers[8].secret',
			'response_headers[9].header',
		]);
		expect(errors[2]!.reason).toBe('must not contain line breaks (CR, LF) or NUL characters');
		expect(errors[2]!.reason).not.toContain('Set-Cookie');
		expect(errors[3]!.reason).toBe('"x-ok" appears more than once');
		expect(errors[5]!.reason).toBe('set the content type with response_content_type');
	});

	it('rejects a response_headers value that is not a list, or too long a list', () => {
		expect(fieldsOf({ ...valid(), response_headers: { header: 'a', value: 'b' } })).toEqual(['response_headers']);
		expect(fieldsOf({ ...valid(), response_headers: Array.from({ length: 51 }, (_, index) => ({ header: `x-${index}`, value: '' })) })).toEqual(['response_headers']);
	});

	it('limits response_body to 64 KB of UTF-8', () => {
		expect(valueOf({ ...valid(), response_body: 'a'.repeat(65_536) }).response_body).toHaveLength(65_536);
		expect(errorsOf({ ...valid(), response_body: 'a'.repeat(65_537) })).toEqual([{ field: 'response_body', reason: 'must be at most 65536 bytes' }]);
		// 2 bytes each in UTF-8: fewer characters than the limit, more bytes.
		expect(fieldsOf({ ...valid(), response_body: 'é'.repeat(40_000) })).toEqual(['response_body']);
		expect(fieldsOf({ ...valid(), response_body: { a: 1 } })).toEqual(['response_body']);
	});

	it('rejects a body with 204 No Content', () => {
		expect(errorsOf({ ...valid(), response_status: 204, response_body: 'ok' })).toEqual([{ field: 'response_body', reason: 'must be empty when response_status is 204 (No Content)' }]);
		expect(valueOf({ ...valid(), response_status: 204, response_body: '' }).response_body).toBeNull();
	});

	it.each(['text/plain', 'application/vnd.api+json', 'text/plain; charset="utf-8"', 'application/json;charset=utf-8', 'application/xml', 'text/xml', 'application/x-www-form-urlencoded'])('accepts content type %j', (type) => {
		expect(valueOf({ ...valid(), response_content_type: type }).response_content_type).toBe(type);
	});

	it.each(['json', '', 'text/plain\r\nX-Evil: 1', 'text/ plain', 'a/b; c', 5, `text/${'x'.repeat(260)}`])('rejects content type %j', (type) => {
		expect(fieldsOf({ ...valid(), response_content_type: type })).toEqual(['response_content_type']);
	});

	it.each(['text/html', 'TEXT/HTML; charset=utf-8', 'image/svg+xml', 'application/xhtml+xml', 'application/javascript', 'text/css', 'application/pdf', 'multipart/x-mixed-replace; boundary=a'])('refuses the active or rendered content type %j', (type) => {
		expect(errorsOf({ ...valid(), response_content_type: type })).toEqual([{ field: 'response_content_type', reason: expect.stringContaining('served from the Directus origin') }]);
	});

	it('refuses response headers that set cookies, redirect or change security policies, each at its index', () => {
		const refused = ['Set-Cookie', 'refresh', 'Location', 'Link', 'Content-Security-Policy', 'Content-Security-Policy-Report-Only', 'X-Content-Type-Options', 'Access-Control-Allow-Origin', 'Cross-Origin-Resource-Policy', 'Strict-Transport-Security', 'X-Frame-Options', 'Permissions-Policy', 'Referrer-Policy', 'Clear-Site-Data', 'Origin-Agent-Cluster', 'Service-Worker-Allowed', 'Content-Disposition', 'WWW-Authenticate', 'TE'];
		const errors = errorsOf({ ...valid(), response_headers: [{ header: 'Cache-Control', value: 'no-store' }, ...refused.map((header) => ({ header, value: 'x' })), { header: 'X-Request-Id', value: '1' }] });
		expect(errors.map((error) => error.field)).toEqual(refused.map((_, index) => `response_headers[${index + 1}].header`));
		expect(errors[0]!.reason).toContain('"Set-Cookie" is not allowed');
	});
});

describe('validateEndpoint: expectations', () => {
	it('rejects bad expected header and query names at their index', () => {
		expect(fieldsOf({ ...valid(), expected_headers: ['ok', 'not ok', '', 'x:y'], expected_query: ['a', 'b c', 'd&e'] }))
			.toEqual(['expected_headers[1]', 'expected_headers[2]', 'expected_headers[3]', 'expected_query[1]', 'expected_query[2]']);
	});

	it('rejects non-lists and too many names', () => {
		expect(fieldsOf({ ...valid(), expected_headers: 5, expected_query: { a: 1 } })).toEqual(['expected_headers', 'expected_query']);
		expect(fieldsOf({ ...valid(), expected_query: Array.from({ length: 101 }, (_, index) => `q${index}`) })).toEqual(['expected_query']);
	});

	it.each([[[1]], ['[1,2]'], ['{bad'], [42], [true]])('rejects expected_body %j', (expected_body) => {
		expect(fieldsOf({ ...valid(), expected_body })).toEqual(['expected_body']);
	});

	it('limits expected_body depth and size', () => {
		let deep: Record<string, unknown> = {};
		for (let level = 0; level < 25; level += 1) deep = { next: deep };
		expect(errorsOf({ ...valid(), expected_body: deep })).toEqual([{ field: 'expected_body', reason: 'must be nested at most 20 levels deep' }]);
		expect(fieldsOf({ ...valid(), expected_body: { big: 'x'.repeat(70_000) } })).toEqual(['expected_body']);
	});

	it('rejects dedupe_header that is not a header name', () => {
		expect(fieldsOf({ ...valid(), dedupe_header: 'x y' })).toEqual(['dedupe_header']);
		expect(fieldsOf({ ...valid(), dedupe_header: 3 })).toEqual(['dedupe_header']);
		expect(valueOf({ ...valid(), dedupe_header: '' }).dedupe_header).toBeNull();
	});
});

describe('validateEndpoint: url', () => {
	it('is read-only on create and update', () => {
		expect(errorsOf({ ...valid(), url: 'https://example.com/webhooks/in/github/push' })).toEqual([{ field: 'url', reason: 'is read-only' }]);
		expect(errorsOf({ url: 'x' }, { mode: 'update' })).toEqual([{ field: 'url', reason: 'is read-only' }]);
	});
});

describe('validateEndpoint: collection', () => {
	it.each(['inbound_orders', 'orders', 'a', 'o2_x', 'c'.repeat(64), 'system', 'mysql_orders', 'pgx'])('accepts %j on create', (collection) => {
		expect(valueOf({ ...valid(), collection })).toEqual({ ...valid(), collection });
	});

	it.each([
		['', 'must be a non-empty string'],
		[null, 'must be a non-empty string'],
		[7, 'must be a non-empty string'],
		['c'.repeat(65), 'must be at most 64 characters'],
		['Orders', 'must start with a lower-case letter and hold only a-z, 0-9 and _'],
		['1orders', 'must start with a lower-case letter and hold only a-z, 0-9 and _'],
		['_orders', 'must start with a lower-case letter and hold only a-z, 0-9 and _'],
		['in-bound', 'must start with a lower-case letter and hold only a-z, 0-9 and _'],
		['a b', 'must start with a lower-case letter and hold only a-z, 0-9 and _'],
		['directus_users', 'directus_ and webhooks_ names are reserved'],
		['webhooks_endpoints', 'directus_ and webhooks_ names are reserved'],
		['webhooks', 'directus_ and webhooks_ names are reserved'],
		...['sqlite_sequence', 'sqlite_master', 'pg_orders', 'information_schema', 'mysql', 'performance_schema', 'sys'].map((name): [string, string] => [name, `"${name}" is reserved by the database (sqlite_, pg_, information_schema, mysql, performance_schema, sys)`]),
	])('rejects %j on create', (collection, reason) => {
		expect(errorsOf({ ...valid(), collection })).toEqual([{ field: 'collection', reason }]);
	});

	it('cannot be changed on update, even to a valid name', () => {
		for (const collection of ['inbound_orders', null, 'Bad Name']) {
			expect(errorsOf({ collection }, { mode: 'update' })).toEqual([{ field: 'collection', reason: 'cannot be changed: the stored requests live in that collection' }]);
		}
	});
});

describe('validateEndpoint: secrets', () => {
	it('takes a list, or one string as a one-secret list, dropping repeats', () => {
		expect(valueOf({ ...valid(), secrets: ['new-secret', 'old-secret', 'new-secret'] }).secrets).toEqual(['new-secret', 'old-secret']);
		expect(valueOf({ ...valid(), secrets: 'only-secret' }).secrets).toEqual(['only-secret']);
		expect(valueOf({ ...valid(), secrets: 'with spaces and ünï' }).secrets).toEqual(['with spaces and ünï']);
		expect(reasonFor({ ...valid(), secrets: ['with\ttab'] }, 'secrets[0]')).toBe('must be printable text (no line breaks or control characters)');
		expect(reasonFor({ ...valid(), auth: 'stripe', secrets: [] }, 'secrets')).toBe('is required when auth is stripe: paste the signing secret the provider shows');
		expect(reasonFor({ ...valid(), auth: 'slack', secrets: null }, 'secrets')).toBe('is required when auth is slack: paste the signing secret the provider shows');
		expect(valueOf({ secrets: ['x'] }, { mode: 'update' })).toEqual({ secrets: ['x'] });
	});

	it('takes null or an empty list as no secrets', () => {
		expect(valueOf({ ...valid(), secrets: null }).secrets).toEqual([]);
		expect(valueOf({ ...valid(), secrets: [] }).secrets).toEqual([]);
	});

	it('accepts up to 10 secrets of up to 1024 characters', () => {
		const ten = Array.from({ length: 10 }, (_, index) => `secret-${index}`);
		expect(valueOf({ ...valid(), secrets: ten }).secrets).toEqual(ten);
		expect(valueOf({ ...valid(), secrets: ['s'.repeat(1024)] }).secrets).toEqual(['s'.repeat(1024)]);
	});

	it.each([[5], [{ value: 'x' }], [['ok', 1]], [[null]], [true]])('rejects secrets %j that are not strings', (secrets) => {
		expect(errorsOf({ ...valid(), secrets })).toEqual([{ field: 'secrets', reason: 'must be a list of strings' }]);
	});

	it('rejects more than 10 secrets', () => {
		expect(errorsOf({ ...valid(), secrets: Array.from({ length: 11 }, (_, index) => `s${index}`) })).toEqual([{ field: 'secrets', reason: 'must hold at most 10 secrets' }]);
	});

	it('rejects the mask and empty secrets at their index', () => {
		expect(errorsOf({ ...valid(), secrets: ['fine', '**********', ''] })).toEqual([
			{ field: 'secrets[1]', reason: 'must be a non-empty secret' },
			{ field: 'secrets[2]', reason: 'must be a non-empty secret' },
		]);
		expect(errorsOf({ ...valid(), secrets: '' })).toEqual([{ field: 'secrets[0]', reason: 'must be a non-empty secret' }]);
		expect(errorsOf({ ...valid(), secrets: '**********' })).toEqual([{ field: 'secrets[0]', reason: 'must be a non-empty secret' }]);
	});

	it('rejects a secret over 1024 characters', () => {
		expect(errorsOf({ ...valid(), secrets: ['s'.repeat(1025)] })).toEqual([{ field: 'secrets[0]', reason: 'must be at most 1024 characters' }]);
	});

	it.each(['line\nbreak', 'carriage\rreturn', 'nul\0byte', 'bell\x07', 'delete\x7f', 'wide\u0100char', 'emoji😀'])('rejects the unprintable secret %j', (secret) => {
		expect(errorsOf({ ...valid(), secrets: ['ok', secret] })).toEqual([{ field: 'secrets[1]', reason: 'must be printable text (no line breaks or control characters)' }]);
	});

	it('needs user:password for basic auth, on create and against the stored preset on update', () => {
		expect(valueOf({ ...valid(), auth: 'basic', secrets: ['user:pass', 'other:pa:ss'] }).secrets).toEqual(['user:pass', 'other:pa:ss']);
		expect(errorsOf({ ...valid(), auth: 'basic', secrets: ['user:pass', 'no-colon'] })).toEqual([{ field: 'secrets[1]', reason: 'must be user:password for basic auth' }]);
		expect(errorsOf({ secrets: 'no-colon' }, { mode: 'update', currentAuth: 'basic' })).toEqual([{ field: 'secrets[0]', reason: 'must be user:password for basic auth' }]);
		expect(valueOf({ secrets: 'no-colon' }, { mode: 'update', currentAuth: 'api_key' })).toEqual({ secrets: ['no-colon'] });
		expect(errorsOf({ auth: 'basic', secrets: 'no-colon' }, { mode: 'update', currentAuth: 'api_key' })).toEqual([{ field: 'secrets[0]', reason: 'must be user:password for basic auth' }]);
	});

	it('never echoes a secret in a reason', () => {
		const secret = 'Sup3rS3cretValue';
		const inputs = [
			{ ...valid(), secrets: [`${secret}\n`] },
			{ ...valid(), secrets: [`${secret}${'x'.repeat(1100)}`] },
			{ ...valid(), auth: 'basic', secrets: [secret] },
			{ ...valid(), secrets: [secret, 5] },
			{ ...valid(), secrets: Array.from({ length: 11 }, () => secret) },
		];
		for (const input of inputs) {
			const errors = errorsOf(input);
			expect(errors.length).toBeGreaterThan(0);
			expect(JSON.stringify(errors)).not.toContain(secret);
		}
	});

	it.each(['stripe', 'shopify', 'slack'] as const)('requires secrets on create when auth is %s', (auth) => {
		expect(errorsOf({ ...valid(), auth })).toEqual([{ field: 'secrets', reason: `is required when auth is ${auth}: paste the signing secret the provider shows` }]);
		expect(valueOf({ ...valid(), auth, secrets: 'whsec_from_provider' }).secrets).toEqual(['whsec_from_provider']);
	});

	it('does not require provider secrets when they come sealed, on update, or for presets that get one generated', () => {
		expect(valueOf({ ...valid(), auth: 'stripe' }, { sealedSecrets: true })).toEqual({ ...valid(), auth: 'stripe' });
		expect(valueOf({ auth: 'shopify' }, { mode: 'update', currentAuth: 'none' })).toEqual({ auth: 'shopify' });
		for (const auth of ['none', 'basic', 'standard_webhooks', 'github'] as const) expect(valueOf({ ...valid(), auth })).toEqual({ ...valid(), auth });
	});

	it('reports a missing provider secret alongside other errors', () => {
		expect(fieldsOf({ ...valid(), auth: 'slack', strict: 1 })).toEqual(['secrets', 'strict']);
	});

	it('lets sealed secrets stand in for an otherwise empty update', () => {
		expect(valueOf({}, { mode: 'update', sealedSecrets: true })).toEqual({});
	});
});

describe('validateEndpoint: failure_statuses', () => {
	it('accepts a 4xx status per failure kind', () => {
		const statuses = { auth: 403, validation: 400, too_large: 413, method: 404, rate_limited: 429 };
		expect(valueOf({ ...valid(), failure_statuses: statuses }).failure_statuses).toEqual(statuses);
		expect(valueOf({ ...valid(), failure_statuses: { auth: 400 } }).failure_statuses).toEqual({ auth: 400 });
		expect(valueOf({ ...valid(), failure_statuses: { auth: 499 } }).failure_statuses).toEqual({ auth: 499 });
	});

	it('takes null or an empty object as the defaults', () => {
		expect(valueOf({ ...valid(), failure_statuses: null }).failure_statuses).toEqual({});
		expect(valueOf({ ...valid(), failure_statuses: {} }).failure_statuses).toEqual({});
	});

	it.each([[[]], ['{"auth":403}'], [403], [true]])('rejects failure_statuses %j that is not an object', (failure_statuses) => {
		expect(errorsOf({ ...valid(), failure_statuses })).toEqual([
			{ field: 'failure_statuses', reason: 'must be an object such as {"auth":401,"validation":422,"too_large":413,"method":405,"rate_limited":429,"rejected":422}' },
		]);
	});

	it.each([399, 500, 503, 200, 204, 302, 404.5, '404', null, Number.NaN])('rejects the status %j', (status) => {
		expect(errorsOf({ ...valid(), failure_statuses: { rate_limited: status } })).toEqual([{ field: 'failure_statuses.rate_limited', reason: 'must be a 4xx status code (400 to 499)' }]);
	});

	it('rejects unknown kinds by path, with every other error', () => {
		expect(errorsOf({ ...valid(), failure_statuses: { auth: 500, server: 400, Auth: 401, too_large: 413 } })).toEqual([
			{ field: 'failure_statuses.auth', reason: 'must be a 4xx status code (400 to 499)' },
			{ field: 'failure_statuses.server', reason: 'is not a failure kind (use auth, validation, too_large, method, rate_limited, rejected)' },
			{ field: 'failure_statuses.Auth', reason: 'is not a failure kind (use auth, validation, too_large, method, rate_limited, rejected)' },
		]);
	});

	it('reports a prototype key once, at its path', () => {
		expect(errorsOf({ ...valid(), failure_statuses: JSON.parse('{"__proto__":{"auth":200}}') })).toEqual([
			{ field: 'failure_statuses.__proto__', reason: 'prototype keys (__proto__, constructor, prototype) are not allowed' },
		]);
	});
});

describe('validateEndpoint: field_mappings', () => {
	const mapping = (extra: Record<string, unknown> = {}) => ({ path: 'body.data.id', field: 'order_id', type: 'integer', ...extra });
	const mappingErrors = (entry: unknown) => errorsOf({ ...valid(), field_mappings: [entry] });

	it('accepts mappings from body, headers and query, the type defaulting to string', () => {
		const value = valueOf({
			...valid(),
			field_mappings: [
				mapping(),
				{ path: 'headers.x-github-event', field: 'event' },
				{ path: 'query.page', field: 'page', type: 'bigInteger' },
				{ path: 'body.items[0].sku', field: 'first_sku', type: null },
				{ path: 'body.created', field: 'created_at', type: 'timestamp' },
			],
		});
		expect(value.field_mappings).toEqual([
			{ path: 'body.data.id', field: 'order_id', type: 'integer' },
			{ path: 'headers.x-github-event', field: 'event', type: 'string' },
			{ path: 'query.page', field: 'page', type: 'bigInteger' },
			{ path: 'body.items[0].sku', field: 'first_sku', type: 'string' },
			{ path: 'body.created', field: 'created_at', type: 'timestamp' },
		]);
	});

	it.each(['string', 'text', 'integer', 'bigInteger', 'float', 'boolean', 'json', 'timestamp'])('accepts type %s', (type) => {
		expect(valueOf({ ...valid(), field_mappings: [mapping({ type })] }).field_mappings).toEqual([mapping({ type })]);
	});

	it('takes null as no mappings, and allows up to 50', () => {
		expect(valueOf({ ...valid(), field_mappings: null }).field_mappings).toEqual([]);
		expect(valueOf({ ...valid(), field_mappings: [] }).field_mappings).toEqual([]);
		const fifty = Array.from({ length: 50 }, (_, index) => ({ path: `body.f${index}`, field: `f${index}`, type: 'string' }));
		expect(valueOf({ ...valid(), field_mappings: fifty }).field_mappings).toEqual(fifty);
	});

	it('rejects a non-list and more than 50 entries', () => {
		expect(errorsOf({ ...valid(), field_mappings: mapping() })).toEqual([{ field: 'field_mappings', reason: 'must be a list of { path, field, type }' }]);
		expect(errorsOf({ ...valid(), field_mappings: 'body.id' })).toEqual([{ field: 'field_mappings', reason: 'must be a list of { path, field, type }' }]);
		const many = Array.from({ length: 51 }, (_, index) => ({ path: `body.f${index}`, field: `f${index}` }));
		expect(errorsOf({ ...valid(), field_mappings: many })).toEqual([{ field: 'field_mappings', reason: 'must have at most 50 entries' }]);
	});

	it.each([['body.id'], [null], [['body.id', 'x']]])('rejects the entry %j that is not an object', (entry) => {
		expect(mappingErrors(entry)).toEqual([{ field: 'field_mappings[0]', reason: 'must be an object { path, field, type }' }]);
	});

	it('rejects unknown properties by path', () => {
		expect(mappingErrors(mapping({ default: 1 }))).toEqual([{ field: 'field_mappings[0].default', reason: 'is not a mapping property (use path, field, type)' }]);
	});

	it.each([
		['body.data', null],
		['headers.x-id', null],
		['query.q', null],
		['body.a[0][1].b', null],
		// An array body is indexed directly.
		['body[0].id', null],
		['', 'must be a non-empty path such as body.data.id'],
		[undefined, 'must be a non-empty path such as body.data.id'],
		[7, 'must be a non-empty path such as body.data.id'],
		[`body.${'p'.repeat(251)}`, 'must be at most 255 characters'],
		['body.a b', 'must be a dotted path with optional [n] indexes, such as body.items[0].id'],
		['body..id', 'must be a dotted path with optional [n] indexes, such as body.items[0].id'],
		['body["id"]', 'must be a dotted path with optional [n] indexes, such as body.items[0].id'],
		['body', 'must start with body., headers., query.'],
		['data.id', 'must start with body., headers., query.'],
		['request.body.id', 'must start with body., headers., query.'],
		['Body.id', 'must start with body., headers., query.'],
		['item.id', 'must start with body., headers., query.'],
		['body.__proto__', 'prototype keys (__proto__, constructor, prototype) are not allowed'],
		['body.a.constructor.name', 'prototype keys (__proto__, constructor, prototype) are not allowed'],
		['query.prototype', 'prototype keys (__proto__, constructor, prototype) are not allowed'],
	])('checks the path %j', (path, reason) => {
		const entry = { field: 'mapped', type: 'string', ...(path === undefined ? {} : { path }) };
		if (reason === null) expect(valueOf({ ...valid(), field_mappings: [entry] }).field_mappings).toEqual([entry]);
		else expect(mappingErrors(entry)).toEqual([{ field: 'field_mappings[0].path', reason }]);
	});

	const FIELD_RULE = 'must be a field name of at most 60 characters: a lower-case letter, then a-z, 0-9 and _';

	it.each(['a', 'order_id', 'x9', 'f'.repeat(60)])('accepts the field name %j', (field) => {
		expect(valueOf({ ...valid(), field_mappings: [mapping({ field })] }).field_mappings).toEqual([mapping({ field })]);
	});

	it.each(['', 'OrderId', 'order-id', '1st', '_x', 'a b', 'f'.repeat(61), 5, null, undefined])('rejects the field name %j', (field) => {
		expect(mappingErrors(mapping({ field }))).toEqual([{ field: 'field_mappings[0].field', reason: FIELD_RULE }]);
	});

	it.each(['id', 'endpoint', 'status', 'body', 'raw_body', 'headers', 'received_at', 'delivery_id', 'parse_error'])('rejects the built-in field %j', (field) => {
		expect(mappingErrors(mapping({ field }))).toEqual([{ field: 'field_mappings[0].field', reason: `"${field}" is a built-in field of the storage collection` }]);
	});

	it('rejects a field mapped twice, at the later index', () => {
		expect(errorsOf({ ...valid(), field_mappings: [mapping(), mapping({ path: 'body.other' }), { path: 'query.x', field: 'x' }, mapping({ path: 'headers.y' })] })).toEqual([
			{ field: 'field_mappings[1].field', reason: '"order_id" appears more than once' },
			{ field: 'field_mappings[3].field', reason: '"order_id" appears more than once' },
		]);
	});

	it.each(['date', 'Integer', 'uuid', '', 5, true])('rejects the type %j', (type) => {
		expect(mappingErrors(mapping({ type }))).toEqual([{ field: 'field_mappings[0].type', reason: 'must be one of string, text, integer, bigInteger, float, boolean, json, timestamp' }]);
	});

	it('reports every problem of every entry', () => {
		expect(errorsOf({ ...valid(), field_mappings: [mapping(), { path: 'data', field: 'Bad', type: 'date', extra: 1 }, 3] }).map((error) => error.field)).toEqual([
			'field_mappings[1].path',
			'field_mappings[1].field',
			'field_mappings[1].type',
			'field_mappings[1].extra',
			'field_mappings[2]',
		]);
	});

	it('reports a prototype key inside a mapping at its path', () => {
		expect(fieldsOf({ ...valid(), field_mappings: JSON.parse('[{"path":"body.a","field":"a","__proto__":{}}]') })).toEqual(['field_mappings[0].__proto__']);
	});
});

describe('validateEndpoint: what passed, beside the errors', () => {
	it('keeps the fields that passed in value, so checks against stored data can run beside the errors', () => {
		const mappings = [{ path: 'body.id', field: 'order_id', type: 'integer' }];
		const result = check({ ...valid(), name: '', strict: 'yes', field_mappings: mappings });
		expect(result.ok).toBe(false);
		expect(result.value).toEqual({ suffix: 'github/push', field_mappings: mappings });
	});
});

describe('validateEndpoint: fuzz', () => {
	const random = seededRandom;

	it('never throws and always names a field', () => {
		const next = random(0x5eed);
		const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
		const keys = ['name', 'suffix', 'methods', 'status', 'auth', 'auth_config', 'tolerance_seconds', 'dedupe_header', 'response_status', 'response_headers', 'response_body', 'response_content_type', 'max_body_bytes', 'rate_limit_per_minute', 'strict', 'expected_headers', 'expected_query', 'expected_body', 'collection', 'secrets', 'failure_statuses', 'field_mappings', 'url', 'id', '__proto__', 'other'];
		const scalar = (): unknown => pick([null, undefined, true, 0, -1, 1.5, 1e9, '', 'a b', 'POST', 'api_key', 'hmac', 'stripe', 'basic', 'x'.repeat(300), '{"a":1}', '\u0000', 'sha256', 'hex', 404, 'body.a', 'inbound_x', 'u:p', '**********', 'integer']);
		const anyValue = (depth: number): unknown => {
			const roll = next();
			if (depth > 3 || roll < 0.5) return scalar();
			if (roll < 0.75) return Array.from({ length: Math.floor(next() * 4) }, () => anyValue(depth + 1));
			const object: Record<string, unknown> = {};
			for (let count = Math.floor(next() * 4); count > 0; count -= 1) object[pick(['header', 'value', 'query', 'algorithm', 'encoding', 'prefix', 'a', 'path', 'field', 'type', 'auth', 'too_large'])] = anyValue(depth + 1);
			return object;
		};
		for (let run = 0; run < 3000; run += 1) {
			const input: Record<string, unknown> = {};
			for (let count = Math.floor(next() * 6); count > 0; count -= 1) Object.defineProperty(input, pick(keys), { value: anyValue(0), enumerable: true, writable: true, configurable: true });
			const mode = next() < 0.5 ? 'create' : 'update';
			const result = validateEndpoint(input, { mode });
			if (!result.ok) {
				expect(result.errors.length).toBeGreaterThan(0);
				for (const error of result.errors) {
					expect(error.field).not.toBe('');
					// Every reason is one of ours, never the schema library's generic wording.
					expect(error.reason).not.toMatch(/^Invalid /);
				}
			}
		}
	});
});
