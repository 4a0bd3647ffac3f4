// Malformed and hostile config against the management API: every one is refused with a 4xx that
// names the problem, none reaches a 5xx, and nothing is created.
import { describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);

const huge = 'x'.repeat(200_000);
const deep = JSON.parse(`${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`);

const webhookBase = { name: 'hostile', url: 'https://example.com/hook', actions: ['create'], collections: ['directus_users'] };
const WEBHOOK_CASES: [string, unknown][] = [
	['no body fields', {}],
	['a string', 'webhook'],
	['a number', 42],
	['null', null],
	['an empty array', []],
	['an array of junk', [1, 'two', null]],
	['name as a number', { ...webhookBase, name: 5 }],
	['name as an object', { ...webhookBase, name: { a: 1 } }],
	['a huge name', { ...webhookBase, name: huge }],
	['url without scheme', { ...webhookBase, url: 'example.com/hook' }],
	['url with ftp scheme', { ...webhookBase, url: 'ftp://example.com/' }],
	['url with javascript scheme', { ...webhookBase, url: 'javascript:alert(1)' }],
	['url with credentials', { ...webhookBase, url: 'https://user:pass@example.com/' }],
	['url as an array', { ...webhookBase, url: ['https://example.com'] }],
	['a huge url', { ...webhookBase, url: `https://example.com/${huge}` }],
	['unknown collection', { ...webhookBase, collections: ['no_such_collection'] }],
	['collections as a number', { ...webhookBase, collections: 7 }],
	['an internal collection', { ...webhookBase, collections: ['webhooks_deliveries'] }],
	['unknown action', { ...webhookBase, actions: ['explode'] }],
	['actions as an object', { ...webhookBase, actions: { create: true } }],
	['unknown method', { ...webhookBase, method: 'TRACE' }],
	['method as a number', { ...webhookBase, method: 1 }],
	['unknown status', { ...webhookBase, status: 'maybe' }],
	['header with CR/LF in the value', { ...webhookBase, headers: [{ header: 'X-A', value: 'a\r\nInjected: yes' }] }],
	['header with CR/LF in the name', { ...webhookBase, headers: [{ header: 'X-A\r\nB', value: 'a' }] }],
	['header name with a space', { ...webhookBase, headers: [{ header: 'X A', value: 'a' }] }],
	['headers as a string', { ...webhookBase, headers: 'X-A: 1' }],
	['a reserved header', { ...webhookBase, headers: [{ header: 'webhook-signature', value: 'v1,x' }] }],
	['__proto__ at the top', JSON.parse(`{"name":"p","url":"https://e.com","actions":["create"],"collections":["directus_users"],"__proto__":{"admin":true}}`)],
	['constructor in filter', { ...webhookBase, filter: JSON.parse('{"constructor":{"prototype":{"x":1}}}') }],
	['a deeply nested filter', { ...webhookBase, filter: deep }],
	['filter as a string', { ...webhookBase, filter: 'not json' }],
	['data as a string', { ...webhookBase, data: 'yes' }],
	['payload mode unknown', { ...webhookBase, payload: 'everything' }],
	['include_previous as a string', { ...webhookBase, include_previous: 'true' }],
	['read-only id', { ...webhookBase, id: 9999 }],
	['unknown field', { ...webhookBase, evil: 1 }],
];

const endpointBase = { name: 'hostile', suffix: 'hostile' };
const ENDPOINT_CASES: [string, unknown][] = [
	['no body fields', {}],
	['a string', 'endpoint'],
	['null', null],
	['suffix with a space', { ...endpointBase, suffix: 'a b' }],
	['suffix with ..', { ...endpointBase, suffix: '../admin' }],
	['suffix with a query', { ...endpointBase, suffix: 'a?b=1' }],
	['suffix with CR/LF', { ...endpointBase, suffix: 'a\r\nb' }],
	['suffix starting with /', { ...endpointBase, suffix: '/a' }],
	['a huge suffix', { ...endpointBase, suffix: huge }],
	['suffix as a number', { ...endpointBase, suffix: 12 }],
	['unknown method', { ...endpointBase, methods: ['CONNECT'] }],
	['methods as an object', { ...endpointBase, methods: { POST: true } }],
	['unknown auth preset', { ...endpointBase, auth: 'magic' }],
	['api_key without options', { ...endpointBase, auth: 'api_key' }],
	['api_key with both header and query', { ...endpointBase, auth: 'api_key', auth_config: { header: 'x', query: 'y' } }],
	['hmac with an unknown algorithm', { ...endpointBase, auth: 'hmac', auth_config: { header: 'x', algorithm: 'md5', encoding: 'hex' } }],
	['stripe without a secret', { ...endpointBase, auth: 'stripe' }],
	['secrets with CR/LF', { ...endpointBase, auth: 'github', secrets: ['a\r\nb'] }],
	['secrets as an object', { ...endpointBase, secrets: { a: 1 } }],
	['a 2xx failure status', { ...endpointBase, failure_statuses: { auth: 200 } }],
	['a 5xx failure status', { ...endpointBase, failure_statuses: { auth: 500 } }],
	['response status 500', { ...endpointBase, response_status: 500 }],
	['response header injection', { ...endpointBase, response_headers: [{ header: 'X-A', value: 'a\nb' }] }],
	['a reserved response header', { ...endpointBase, response_headers: [{ header: 'Content-Length', value: '1' }] }],
	['a body for 204', { ...endpointBase, response_status: 204, response_body: 'x' }],
	['a bad content type', { ...endpointBase, response_content_type: 'json' }],
	['max body over 50 MB', { ...endpointBase, max_body_bytes: 60 * 1024 * 1024 }],
	['negative rate limit', { ...endpointBase, rate_limit_per_minute: -1 }],
	['strict as a string', { ...endpointBase, strict: 'true' }],
	['expected_body as an array', { ...endpointBase, expected_body: [1] }],
	['prototype keys in expected_body', { ...endpointBase, expected_body: JSON.parse('{"__proto__":{"x":1}}') }],
	['mapping into a built-in field', { ...endpointBase, field_mappings: [{ path: 'body.a', field: 'id', type: 'string' }] }],
	['mapping with a prototype path', { ...endpointBase, field_mappings: [{ path: 'body.constructor.name', field: 'x', type: 'string' }] }],
	['a system collection for storage', { ...endpointBase, collection: 'directus_users' }],
	['an SQL-ish collection name', { ...endpointBase, collection: 'x; drop table y' }],
	['suffix with unicode', { ...endpointBase, suffix: 'caf\u00e9' }],
	['a collection SQLite keeps for itself', { ...endpointBase, collection: 'sqlite_sequence' }],
	['a pg_ collection', { ...endpointBase, collection: 'pg_orders' }],
	['an HTML response type', { ...endpointBase, response_content_type: 'text/html' }],
	['an SVG response type', { ...endpointBase, response_content_type: 'image/svg+xml' }],
	['a Set-Cookie response header', { ...endpointBase, response_headers: [{ header: 'Set-Cookie', value: 'a=1' }] }],
	['a CORS response header', { ...endpointBase, response_headers: [{ header: 'Access-Control-Allow-Origin', value: '*' }] }],
];

async function expectRefused(path: string, label: string, body: unknown): Promise<void> {
	const response = await api.request('POST', path, body === null ? 'null' : body);
	expect(response.status, `${label}: ${JSON.stringify(response.body).slice(0, 300)}`).toBeGreaterThanOrEqual(400);
	expect(response.status, label).toBeLessThan(500);
	expect(JSON.stringify(response.body.errors?.[0]?.message ?? ''), label).not.toBe('""');
}

describe('hostile config input', () => {
	it(`refuses ${WEBHOOK_CASES.length} malformed webhooks with 4xx and creates nothing`, async () => {
		expect(WEBHOOK_CASES.length).toBeGreaterThanOrEqual(30);
		const before = (await api.get('/webhooks?aggregate[count]=id')).body;
		for (const [label, body] of WEBHOOK_CASES) await expectRefused('/webhooks', label, body);
		for (const [label, body] of WEBHOOK_CASES.slice(6)) await expectRefused('/items/webhooks_outgoing', `/items ${label}`, body);
		expect((await api.get('/webhooks?aggregate[count]=id')).body).toEqual(before);
		expect(({} as Record<string, unknown>).admin).toBeUndefined();
	});

	it(`refuses ${ENDPOINT_CASES.length} malformed endpoints with 4xx and creates nothing`, async () => {
		expect(ENDPOINT_CASES.length).toBeGreaterThanOrEqual(30);
		const collections = (await api.get('/collections?limit=-1')).body.data.length;
		for (const [label, body] of ENDPOINT_CASES) await expectRefused('/webhooks/endpoints', label, body);
		for (const [label, body] of ENDPOINT_CASES.slice(3)) await expectRefused('/items/webhooks_endpoints', `/items ${label}`, body);
		expect((await api.get('/webhooks/endpoints')).body.data).toEqual([]);
		expect((await api.get('/collections?limit=-1')).body.data.length).toBe(collections);
	});

	it('ignores a url sent with an endpoint: it is computed from PUBLIC_URL and the suffix', async () => {
		const created = await api.post('/webhooks/endpoints', { ...endpointBase, url: 'https://evil.example.com/' });
		expect(created.status).toBe(200);
		expect(created.body.data.url).toBe(`${info.url}/webhooks/in/hostile`);
		expect((await api.delete(`/webhooks/endpoints/${created.body.data.id}?drop_collection=true`)).status).toBe(204);
	});

	it('refuses malformed updates and id lists with 4xx', async () => {
		const created = await api.post('/webhooks', webhookBase);
		expect(created.status).toBe(200);
		const id = created.body.data.id;
		for (const body of [{ url: 'nope' }, { headers: [{ header: 'X', value: '\n' }] }, { collections: 'x' }, {}, [1, 2], 'text']) {
			const response = await api.request('PATCH', `/webhooks/${id}`, body);
			expect(response.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
			expect(response.status).toBeLessThan(500);
		}
		for (const body of [{}, 'x', [], ['a'], [-1], [1.5]]) {
			const response = await api.request('DELETE', '/webhooks', body);
			expect(response.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
			expect(response.status).toBeLessThan(500);
		}
		for (const path of ['/webhooks/abc', '/webhooks/-1', '/webhooks/1e3000', '/webhooks/endpoints/abc', `/webhooks/${id}/deliveries/xyz`]) {
			const response = await api.get(path);
			expect(response.status, path).toBeGreaterThanOrEqual(400);
			expect(response.status, path).toBeLessThan(500);
		}
		expect((await api.delete(`/webhooks/${id}`)).status).toBe(204);
	});
});
