import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../extensions/src/api/inbound/http/body-parser';
import { storedRequest, type RequestParts } from '../../extensions/src/api/inbound/storage/stored-request';

const RECEIVED = new Date('2024-05-06T07:08:09.010Z');

function parts(extra: Partial<RequestParts> = {}): RequestParts {
	return {
		endpointId: 3,
		method: 'POST',
		path: '/webhooks/in/orders',
		query: { page: '2' },
		headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' },
		rawBody: Buffer.from('{"id":7,"name":"Ada"}'),
		ip: '203.0.113.9',
		verified: true,
		keepRaw: false,
		deliveryId: 'delivery-1',
		mappings: [],
		receivedAt: RECEIVED,
		...extra,
	};
}

const json = (text: string, extra: Partial<RequestParts> = {}) => storedRequest(parts({ rawBody: Buffer.from(text), ...extra }));
const typed = (type: string | undefined, raw: Buffer | string, extra: Partial<RequestParts> = {}) =>
	storedRequest(parts({ headers: type === undefined ? {} : { 'content-type': type }, rawBody: Buffer.isBuffer(raw) ? raw : Buffer.from(raw), ...extra }));

describe('storedRequest: the row', () => {
	it('stores a JSON object in body, with every column', () => {
		expect(storedRequest(parts()).row).toEqual({
			endpoint: 3,
			status: 'received',
			received_at: '2024-05-06T07:08:09.010Z',
			method: 'POST',
			path: '/webhooks/in/orders',
			content_type: 'application/json',
			source_ip: '203.0.113.9',
			verified: true,
			delivery_id: 'delivery-1',
			// Redeliveries are caught per endpoint where storage is shared.
			dedupe_key: '3:delivery-1',
			query: { page: '2' },
			headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' },
			body: { id: 7, name: 'Ada' },
			body_text: null,
			raw_body: null,
			parse_error: null,
		});
	});

	it('stores a JSON array in body', () => {
		expect(json('[1,{"a":2}]').row).toMatchObject({ body: [1, { a: 2 }], body_text: null });
	});

	it.each(['42', 'true', 'null', '  -1.5  '])('keeps the bare JSON value %j as text', (text) => {
		expect(json(text).row).toMatchObject({ body: null, body_text: text, parse_error: null });
	});

	it('keeps a bare JSON string as its decoded text', () => {
		expect(json('"hello \\"you\\""').row).toMatchObject({ body: null, body_text: 'hello "you"' });
	});

	it('keeps text and XML as text', () => {
		expect(typed('text/plain; charset=utf-8', 'hello\nworld').row).toMatchObject({ body: null, body_text: 'hello\nworld', parse_error: null });
		expect(typed('application/xml', '<a>é</a>').row).toMatchObject({ body: null, body_text: '<a>é</a>', content_type: 'application/xml' });
	});

	it('keeps invalid JSON as text with the parse error', () => {
		const { row } = json('{"id": 7,');
		expect(row.body).toBeNull();
		expect(row.body_text).toBe('{"id": 7,');
		expect(row.parse_error).toMatch(/^invalid JSON: /);
	});

	it('keeps NUL out of text columns when invalid JSON holds one', () => {
		const raw = Buffer.from('{"a":\0}');
		const { row } = storedRequest(parts({ rawBody: raw }));
		expect(row.body).toEqual({ binary: true, encoding: 'base64', size: raw.length, data: raw.toString('base64') });
		expect(row.body_text).toBeNull();
		expect(row.parse_error).toMatch(/^invalid JSON: /);
		expect(row.parse_error).not.toContain('\0');
		expect(row.parse_error).toContain('\uFFFD');
	});

	it('stores form fields in body', () => {
		expect(typed('application/x-www-form-urlencoded', 'a=1&a=2&b=x').row).toMatchObject({ body: { a: ['1', '2'], b: 'x' }, body_text: null });
	});

	it('stores a binary body as a base64 marker', () => {
		const raw = Buffer.from([0x00, 0xff, 0x10, 0x80]);
		expect(typed('application/octet-stream', raw).row).toMatchObject({ body: { binary: true, encoding: 'base64', size: 4, data: raw.toString('base64') }, body_text: null });
		// No content type and not UTF-8: sniffed as binary.
		expect(typed(undefined, Buffer.from([0xc3, 0x28])).row).toMatchObject({ body: { binary: true, size: 2 }, body_text: null, content_type: null });
	});

	it('stores text holding NUL as a marker, since PostgreSQL text cannot hold it', () => {
		const raw = Buffer.from('a\0b');
		expect(typed('text/plain', raw).row).toMatchObject({ body: { binary: true, encoding: 'base64', size: 3, data: raw.toString('base64') }, body_text: null });
	});

	it('stores nothing for an empty body', () => {
		expect(json('').row).toMatchObject({ body: null, body_text: null, raw_body: null, parse_error: null });
		expect(typed(undefined, '').row).toMatchObject({ body: null, body_text: null });
	});

	it('redacts credentials and signatures in headers', () => {
		const { row, request } = storedRequest(parts({ headers: { authorization: 'Bearer abc', 'X-Hub-Signature-256': 'sha256=1', cookie: 'c=1', 'x-ok': 'yes', 'x-list': ['a', 'b'] } }));
		const expected = { authorization: REDACTED, 'x-hub-signature-256': REDACTED, cookie: REDACTED, 'x-ok': 'yes', 'x-list': 'a, b' };
		expect(row.headers).toEqual(expected);
		expect(request.headers).toEqual(expected);
		expect(JSON.stringify(row)).not.toContain('Bearer abc');
	});

	it('records whether the request was verified', () => {
		expect(storedRequest(parts({ verified: false })).row.verified).toBe(false);
	});
});

describe('storedRequest: raw body', () => {
	it('keeps the exact bytes only when asked', () => {
		expect(json('{"a":1}').row.raw_body).toBeNull();
		expect(json('{"a":1}', { keepRaw: true }).row.raw_body).toBe('{"a":1}');
		expect(typed('text/plain', ' spaced\r\n', { keepRaw: true }).row.raw_body).toBe(' spaced\r\n');
	});

	it('stores bytes that are not UTF-8 as base64 with a prefix', () => {
		const raw = Buffer.from([0xff, 0xfe, 0x41]);
		expect(typed('application/octet-stream', raw, { keepRaw: true }).row.raw_body).toBe(`base64:${raw.toString('base64')}`);
		const nul = Buffer.from('a\0b');
		expect(typed('text/plain', nul, { keepRaw: true }).row.raw_body).toBe(`base64:${nul.toString('base64')}`);
	});

	it('stores no raw body for an empty body', () => {
		expect(json('', { keepRaw: true }).row.raw_body).toBeNull();
	});
});

describe('storedRequest: limits', () => {
	it('truncates the delivery id to 255 characters and stores an empty one as null', () => {
		expect(storedRequest(parts({ deliveryId: 'd'.repeat(300) })).row.delivery_id).toBe('d'.repeat(255));
		expect(storedRequest(parts({ deliveryId: 'd'.repeat(255) })).row.delivery_id).toBe('d'.repeat(255));
		expect(storedRequest(parts({ deliveryId: '' })).row.delivery_id).toBeNull();
		expect(storedRequest(parts({ deliveryId: null })).row.delivery_id).toBeNull();
		expect(storedRequest(parts({ deliveryId: 'x'.repeat(300) })).request.delivery_id).toBe('x'.repeat(255));
		expect(storedRequest(parts({ deliveryId: '' })).request.delivery_id).toBeNull();
	});

	it('truncates the content type to 255 and the ip to 64 characters', () => {
		const type = `application/json; x=${'y'.repeat(300)}`;
		const { row, request } = storedRequest(parts({ headers: { 'content-type': type }, ip: '1'.repeat(100) }));
		expect(row.content_type).toBe(type.slice(0, 255));
		expect(row.source_ip).toBe('1'.repeat(64));
		expect(request.content_type).toBe(row.content_type);
		expect(request.ip).toBe(row.source_ip);
		// The whole header was still used to parse the body.
		expect(row.body).toEqual({ id: 7, name: 'Ada' });
	});

	it('stores a missing ip and content type as null', () => {
		expect(typed(undefined, 'x', { ip: null }).row).toMatchObject({ source_ip: null, content_type: null });
	});

	it('joins a repeated content type header', () => {
		expect(storedRequest(parts({ headers: { 'content-type': ['text/plain', 'charset=utf-8'] }, rawBody: Buffer.from('hi') })).row.content_type).toBe('text/plain, charset=utf-8');
	});
});

describe('storedRequest: mapped fields', () => {
	it('merges converted values into the row', () => {
		const { row } = storedRequest(parts({
			query: { page: '2' },
			headers: { 'content-type': 'application/json', 'x-event': 'order.paid', authorization: 'Bearer secret' },
			rawBody: Buffer.from('{"order":{"id":"17","total":"9.5","items":[{"sku":"A1"}]}}'),
			mappings: [
				{ path: 'body.order.id', field: 'order_id', type: 'integer' },
				{ path: 'body.order.total', field: 'total', type: 'float' },
				{ path: 'body.order.items[0].sku', field: 'sku', type: 'string' },
				{ path: 'headers.x-event', field: 'event', type: 'string' },
				{ path: 'headers.authorization', field: 'auth_header', type: 'string' },
				{ path: 'query.page', field: 'page', type: 'integer' },
				{ path: 'body.order.missing', field: 'missing', type: 'json' },
			],
		}));
		expect(row).toMatchObject({ order_id: 17, total: 9.5, sku: 'A1', event: 'order.paid', page: 2, missing: null });
		// Mappings read the stored (redacted) headers: a credential never reaches a mapped field.
		expect(row.auth_header).toBe(REDACTED);
	});

	it('maps from form fields and from a bare JSON value', () => {
		expect(typed('application/x-www-form-urlencoded', 'amount=12', { mappings: [{ path: 'body.amount', field: 'amount', type: 'integer' }] }).row.amount).toBe(12);
		expect(json('42', { mappings: [{ path: 'body.id', field: 'id', type: 'integer' }] }).row.id).toBeNull();
	});
});

describe('storedRequest: the template context', () => {
	it('gives templates the request as parsed', () => {
		const { request } = storedRequest(parts({ headers: { 'content-type': 'application/json', authorization: 'Basic x' } }));
		expect(request).toEqual({
			method: 'POST',
			path: '/webhooks/in/orders',
			query: { page: '2' },
			headers: { 'content-type': 'application/json', authorization: REDACTED },
			body: { id: 7, name: 'Ada' },
			content_type: 'application/json',
			ip: '203.0.113.9',
			delivery_id: 'delivery-1',
			received_at: '2024-05-06T07:08:09.010Z',
		});
	});

	it('keeps the parsed value of a bare JSON body, and text as text', () => {
		expect(json('42').request.body).toBe(42);
		expect(json('null').request.body).toBeNull();
		expect(typed('text/plain', 'hi').request.body).toBe('hi');
		expect(json('').request.body).toBeNull();
	});
});

describe('storedRequest: credentials named by the endpoint', () => {
	it('redacts the configured key header and query parameter everywhere they appear', () => {
		const { row, request } = storedRequest({
			endpointId: 1,
			method: 'POST',
			path: '/webhooks/in/x',
			query: { key: 'k-123', page: '2' },
			headers: { 'content-type': 'application/json', 'x-key': 'k-123' },
			rawBody: Buffer.from('{}'),
			ip: null,
			verified: true,
			keepRaw: false,
			deliveryId: null,
			mappings: [{ path: 'query.key', field: 'leaked', type: 'string' }],
			receivedAt: new Date(0),
			credentials: { headers: ['x-key'], query: ['key'] },
		});
		expect(row.query).toEqual({ key: '[redacted]', page: '2' });
		expect((row.headers as Record<string, string>)['x-key']).toBe('[redacted]');
		expect(row.leaked).toBe('[redacted]');
		expect(JSON.stringify({ row, request })).not.toContain('k-123');
	});
});
