import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { readBody, type BodyResult } from '../../extensions/src/api/inbound/body-reader';
import { generateEndpointSecret, openSecrets, sealSecrets, unexpired } from '../../extensions/src/api/inbound/endpoint-secrets';
import { unmetExpectations } from '../../extensions/src/api/inbound/expectations';
import { convert, mapFields } from '../../extensions/src/api/inbound/field-mapping';
import { RateLimiter } from '../../extensions/src/api/inbound/rate-limiter';
import { storedRequest, type RequestParts } from '../../extensions/src/api/inbound/stored-request';
import { SecretBox } from '../../extensions/src/api/secret-box';
import { collectionForSuffix, endpointUrl } from '../../extensions/src/shared/inbound-endpoint';
import { pathSegments, resolvePath } from '../../extensions/src/shared/json-path';
import { validateEndpoint } from '../../extensions/src/shared/validate-endpoint';

describe('json paths', () => {
	it('splits dotted paths with indexes and reads own properties only', () => {
		expect(pathSegments('body.items[0].id')).toEqual(['body', 'items', '0', 'id']);
		expect(pathSegments('headers.x-github-event')).toEqual(['headers', 'x-github-event']);
		expect(pathSegments('a + b')).toBeNull();
		const data = JSON.parse('{"body":{"items":[{"id":7}],"__proto__":{"x":1}}}');
		expect(resolvePath(data, ['body', 'items', '0', 'id'])).toBe(7);
		expect(resolvePath(data, ['body', '__proto__', 'x'])).toBeUndefined();
		expect(resolvePath(data, ['body', 'items', 'map'])).toBeUndefined();
		expect(resolvePath({}, ['toString'])).toBeUndefined();
	});
});

describe('field mappings', () => {
	it('converts to each type, and to null when a value does not fit', () => {
		expect(convert('1200', 'integer')).toBe(1200);
		expect(convert('12.5', 'integer')).toBeNull();
		expect(convert(3_000_000_000, 'integer')).toBeNull();
		expect(convert(3_000_000_000, 'bigInteger')).toBe(3_000_000_000);
		expect(convert('1.5', 'float')).toBe(1.5);
		expect(convert('abc', 'float')).toBeNull();
		expect(convert('true', 'boolean')).toBe(true);
		expect(convert(0, 'boolean')).toBe(false);
		expect(convert('maybe', 'boolean')).toBeNull();
		expect(convert({ a: 1 }, 'string')).toBe('{"a":1}');
		expect(convert('x'.repeat(300), 'string')).toHaveLength(255);
		expect(convert('x'.repeat(300), 'text')).toHaveLength(300);
		expect(convert('a\u0000b', 'text')).toBe('a\uFFFDb');
		expect(convert({ a: [1] }, 'json')).toEqual({ a: [1] });
		expect(convert(1_700_000_000, 'timestamp')).toBe('2023-11-14T22:13:20.000Z');
		expect(convert('1700000000000', 'timestamp')).toBe('2023-11-14T22:13:20.000Z');
		expect(convert('2024-01-02T03:04:05Z', 'timestamp')).toBe('2024-01-02T03:04:05.000Z');
		expect(convert('not a date', 'timestamp')).toBeNull();
		expect(convert(undefined, 'string')).toBeNull();
	});

	it('reads body, header and query paths', () => {
		const values = mapFields(
			[
				{ path: 'body.data.id', field: 'object_id', type: 'string' },
				{ path: 'headers.x-event', field: 'event', type: 'string' },
				{ path: 'query.page', field: 'page', type: 'integer' },
				{ path: 'body.missing', field: 'missing', type: 'json' },
			],
			{ body: { data: { id: 'pi_1' } }, headers: { 'x-event': 'paid' }, query: { page: '3' } },
		);
		expect(values).toEqual({ object_id: 'pi_1', event: 'paid', page: 3, missing: null });
	});
});

describe('strict expectations', () => {
	const expected = { expectedHeaders: ['x-event'], expectedQuery: ['source'], expectedBody: { id: 'evt', amount: 1, tags: [], meta: null } };

	it('lists every missing or mistyped piece', () => {
		expect(unmetExpectations(expected, { headers: {}, query: {}, body: { id: 5, tags: {} } })).toEqual([
			'missing header x-event',
			'missing query parameter source',
			'body field id must be a string, not number',
			'missing body field amount',
			'body field tags must be an array, not object',
			'missing body field meta',
		]);
	});

	it('passes a matching request; null in the sample allows any type', () => {
		expect(unmetExpectations(expected, { headers: { 'x-event': 'a' }, query: { source: 'x' }, body: { id: 'e', amount: 2, tags: ['a'], meta: 'anything' } })).toEqual([]);
	});

	it('refuses a body that is not an object when body keys are expected', () => {
		expect(unmetExpectations({ ...expected, expectedHeaders: [], expectedQuery: [] }, { headers: {}, query: {}, body: 'text' })).toEqual(['the body must be a JSON object (or form fields)']);
		expect(unmetExpectations({ expectedHeaders: [], expectedQuery: [], expectedBody: null }, { headers: {}, query: {}, body: 'text' })).toEqual([]);
	});
});

describe('rate limiter', () => {
	it('allows a burst up to the limit, then refills evenly per endpoint', () => {
		const limiter = new RateLimiter();
		const now = 1_000_000;
		for (let index = 0; index < 3; index += 1) expect(limiter.take(1, 3, now)).toEqual({ ok: true });
		expect(limiter.take(1, 3, now)).toEqual({ ok: false, retryAfterSeconds: 20 });
		expect(limiter.take(2, 3, now)).toEqual({ ok: true });
		expect(limiter.take(1, 3, now + 19_000).ok).toBe(false);
		expect(limiter.take(1, 3, now + 20_000).ok).toBe(true);
		limiter.forget(1);
		expect(limiter.take(1, 3, now + 20_001).ok).toBe(true);
	});
});

describe('stored request', () => {
	const parts = (overrides: Partial<RequestParts>): RequestParts => ({
		endpointId: 1,
		method: 'POST',
		path: '/webhooks/in/x',
		query: {},
		headers: { 'content-type': 'application/json' },
		rawBody: Buffer.from('{"a":1}'),
		ip: '127.0.0.1',
		verified: false,
		keepRaw: false,
		deliveryId: null,
		mappings: [],
		receivedAt: new Date('2026-01-01T00:00:00Z'),
		...overrides,
	});

	it('keeps JSON objects as data and everything textual as text', () => {
		expect(storedRequest(parts({})).row).toMatchObject({ body: { a: 1 }, body_text: null, parse_error: null });
		expect(storedRequest(parts({ rawBody: Buffer.from('42') })).row).toMatchObject({ body: null, body_text: '42' });
		expect(storedRequest(parts({ headers: { 'content-type': 'application/xml' }, rawBody: Buffer.from('<a/>') })).row).toMatchObject({ body: null, body_text: '<a/>' });
		const broken = storedRequest(parts({ rawBody: Buffer.from('{oops') })).row;
		expect(broken.body_text).toBe('{oops');
		expect(String(broken.parse_error)).toMatch(/^invalid JSON/);
		expect(storedRequest(parts({ rawBody: Buffer.alloc(0) })).row).toMatchObject({ body: null, body_text: null });
	});

	it('keeps bytes that text columns cannot hold (NUL, invalid UTF-8) as a base64 marker', () => {
		for (const raw of [Buffer.from('a\u0000b'), Buffer.from([0xff, 0xfe, 0x00])]) {
			const row = storedRequest(parts({ headers: { 'content-type': 'text/plain' }, rawBody: raw })).row;
			expect(row.body).toEqual({ binary: true, encoding: 'base64', size: raw.length, data: raw.toString('base64') });
			expect(row.body_text).toBeNull();
		}
	});

	it('redacts credentials, keeps raw bytes only when asked, and bounds short fields', () => {
		const { row, request } = storedRequest(
			parts({
				headers: { 'content-type': 'application/json', authorization: 'Bearer x', 'x-hub-signature-256': 'sha256=1', 'x-ok': 'yes' },
				keepRaw: true,
				deliveryId: 'd'.repeat(300),
				ip: '1'.repeat(100),
			}),
		);
		expect(row.headers).toMatchObject({ authorization: '[redacted]', 'x-hub-signature-256': '[redacted]', 'x-ok': 'yes' });
		expect(row.raw_body).toBe('{"a":1}');
		expect(String(row.delivery_id)).toHaveLength(255);
		expect(String(row.source_ip)).toHaveLength(64);
		expect(request).toMatchObject({ method: 'POST', body: { a: 1 }, delivery_id: row.delivery_id });
		expect(storedRequest(parts({ keepRaw: true, rawBody: Buffer.from([0xff]) })).row.raw_body).toBe('base64:/w==');
		expect(storedRequest(parts({ deliveryId: '' })).row.delivery_id).toBeNull();
	});

	it('merges mapped fields into the row', () => {
		const { row } = storedRequest(parts({ mappings: [{ path: 'body.a', field: 'a_value', type: 'integer' }] }));
		expect(row.a_value).toBe(1);
	});
});

describe('endpoint secrets', () => {
	const box = new SecretBox('unit-test-master-key');

	it('seals and opens a list with expiries', () => {
		expect(sealSecrets(box, [])).toBeNull();
		const sealed = sealSecrets(box, [{ value: 'new', expires: null }, { value: 'old', expires: 1000 }])!;
		expect(sealed).not.toContain('new');
		const opened = openSecrets(box, sealed);
		expect(unexpired(opened, 999)).toEqual(['new', 'old']);
		expect(unexpired(opened, 1000)).toEqual(['new']);
		expect(() => openSecrets(new SecretBox('another key'), sealed)).toThrow();
	});

	it('generates secrets in the form each preset uses, none where the provider issues them', () => {
		const standard = generateEndpointSecret('standard_webhooks')!;
		expect(() => new Webhook(standard)).not.toThrow();
		expect(generateEndpointSecret('basic')).toMatch(/^webhook:[\w-]+$/);
		expect(generateEndpointSecret('github')).toMatch(/^[0-9a-f]{64}$/);
		for (const preset of ['none', 'stripe', 'shopify', 'slack'] as const) expect(generateEndpointSecret(preset)).toBeNull();
	});
});

describe('names and URLs', () => {
	it('derives storage collection names and public URLs', () => {
		expect(collectionForSuffix('GitHub/push-events')).toBe('inbound_github_push_events');
		expect(collectionForSuffix('x'.repeat(100)).length).toBeLessThanOrEqual(60);
		expect(endpointUrl('https://cms.example.com/', 'a/b')).toBe('https://cms.example.com/webhooks/in/a/b');
		expect(endpointUrl('/', 'a')).toBe('/webhooks/in/a');
	});
});

describe('validateEndpoint: inbound-only fields', () => {
	const base = { name: 'n', suffix: 's' };
	const errors = (input: Record<string, unknown>, mode: 'create' | 'update' = 'create') => {
		const result = validateEndpoint(input, { mode });
		return result.ok ? [] : result.errors;
	};

	it('checks secrets without echoing them', () => {
		expect(errors({ ...base, secrets: ['a', 'b'] })).toEqual([]);
		expect(errors({ ...base, auth: 'basic', secrets: ['nocolon-s3cret'] })).toEqual([{ field: 'secrets[0]', reason: 'must be user:password for basic auth' }]);
		expect(errors({ ...base, secrets: ['**********'] })).toEqual([{ field: 'secrets[0]', reason: 'must be a non-empty secret' }]);
		expect(JSON.stringify(errors({ ...base, secrets: ['bad\nsecret-value'] }))).not.toContain('secret-value');
		expect(errors({ ...base, auth: 'stripe' })[0]!.field).toBe('secrets');
		expect(validateEndpoint({ ...base, auth: 'stripe' }, { mode: 'create', sealedSecrets: true }).ok).toBe(true);
	});

	it('checks failure statuses, mappings and the collection', () => {
		expect(errors({ ...base, failure_statuses: { auth: 404, method: 200, other: 400 } })).toEqual([
			{ field: 'failure_statuses.method', reason: 'must be a 4xx status code (400 to 499)' },
			{ field: 'failure_statuses.other', reason: 'is not a failure kind (use auth, validation, too_large, method, rate_limited)' },
		]);
		expect(errors({ ...base, field_mappings: [{ path: 'body.a', field: 'a' }, { path: 'data.a', field: 'id', type: 'uuid' }, { path: 'body.__proto__.x', field: 'a' }] }).map((error) => error.field)).toEqual([
			'field_mappings[1].path',
			'field_mappings[1].field',
			'field_mappings[1].type',
			'field_mappings[2].path',
			'field_mappings[2].field',
		]);
		expect(errors({ ...base, collection: 'directus_users' })).toEqual([{ field: 'collection', reason: 'directus_ and webhooks_ names are reserved' }]);
		expect(errors({ collection: 'inbound_x' }, 'update')).toEqual([{ field: 'collection', reason: 'cannot be changed: the stored requests live in that collection' }]);
	});
});

describe('body reader', () => {
	async function withServer(limit: number, timeoutMs: number, send: (port: number) => void): Promise<BodyResult> {
		return new Promise((resolve) => {
			const server = createServer((req: IncomingMessage, res) => {
				void readBody(req, limit, timeoutMs).then((result) => {
					resolve(result);
					res.end();
					server.close();
					server.closeAllConnections();
				});
			});
			server.listen(0, '127.0.0.1', () => send((server.address() as AddressInfo).port));
		});
	}
	const post = (port: number, headers: Record<string, string>, chunks: (string | Buffer)[], gapMs = 0) => {
		const req = request({ host: '127.0.0.1', port, method: 'POST', headers });
		req.on('error', () => undefined);
		let index = 0;
		const next = () => {
			if (index >= chunks.length) return void req.end();
			req.write(chunks[index++]!);
			setTimeout(next, gapMs);
		};
		next();
	};

	it('returns the exact bytes', async () => {
		const bytes = Buffer.from([0, 1, 2, 255, 254]);
		const result = await withServer(100, 1000, (port) => post(port, { 'content-length': '10' }, [bytes, bytes]));
		expect(result).toEqual({ ok: true, body: Buffer.concat([bytes, bytes]) });
	});

	it('refuses a declared or streamed body over the limit, and a body that trickles in too slowly', async () => {
		expect(await withServer(4, 1000, (port) => post(port, { 'content-length': '10' }, ['0123456789']))).toEqual({ ok: false, reason: 'too_large' });
		expect(await withServer(4, 1000, (port) => post(port, { 'transfer-encoding': 'chunked' }, ['012', '345']))).toEqual({ ok: false, reason: 'too_large' });
		expect(await withServer(100, 200, (port) => post(port, { 'content-length': '50' }, ['a', 'b', 'c', 'd'], 150))).toEqual({ ok: false, reason: 'timeout' });
	});
});
