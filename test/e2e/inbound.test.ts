import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { connect as connectDatabase } from '../harness/databases.ts';
import { sleep, until } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const created: number[] = [];
/** Every secret these tests saw: none may ever appear in the Directus log. */
const secretsSeen: string[] = [];

interface Endpoint {
	id: number;
	url: string;
	collection: string;
	secret?: string;
	[key: string]: unknown;
}

async function tableExists(table: string): Promise<boolean> {
	const db = connectDatabase({ kind: info.kind, name: info.database, env: info.env });
	try {
		return await db.schema.hasTable(table);
	} finally {
		await db.destroy();
	}
}

async function createEndpoint(overrides: Record<string, unknown> = {}): Promise<Endpoint> {
	const tag = randomBytes(4).toString('hex');
	const response = await api.post('/webhooks/endpoints', { name: `e2e ${tag}`, suffix: `e2e/${tag}`, ...overrides });
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	created.push(response.body.data.id);
	for (const secret of [response.body.data.secret, ...((overrides.secrets as string[] | undefined) ?? [])]) if (typeof secret === 'string') secretsSeen.push(secret);
	return response.body.data as Endpoint;
}

/** A raw request to an endpoint URL: exact bytes, any method and headers. */
async function call(url: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
	const response = await fetch(url, { method: options.method ?? 'POST', body: options.body, headers: options.headers });
	const text = await response.text();
	let json: any = null;
	try {
		json = text ? JSON.parse(text) : null;
	} catch {
		// text body
	}
	return { status: response.status, headers: response.headers, text, json };
}

async function stored(endpoint: Endpoint): Promise<Record<string, any>[]> {
	const response = await api.get(`/items/${endpoint.collection}?sort=id&limit=-1`);
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	return response.body.data;
}

const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });

// Directus 12's core license allows 25 active collections: each test drops what it made.
afterEach(async () => {
	for (const id of created.splice(0)) await api.delete(`/webhooks/endpoints/${id}?drop_collection=true`);
});

describe('inbound endpoints: configuration', () => {
	it('computes the public URL, creates the storage collection in the Webhooks folder and never returns secrets', async () => {
		const endpoint = await createEndpoint({ auth: 'api_key', auth_config: { header: 'X-Key' } });
		expect(endpoint.url).toBe(`${info.url}/webhooks/in/${endpoint.suffix}`);
		expect(endpoint.collection).toMatch(/^inbound_e2e_[0-9a-f]{8}$/);
		expect(typeof endpoint.secret).toBe('string');
		expect(JSON.stringify(endpoint)).not.toContain('wh1:');
		const collection = await api.get(`/collections/${endpoint.collection}`);
		expect(collection.status).toBe(200);
		expect(collection.body.data.meta.group).toBe('webhooks');
		const fields = await api.get(`/fields/${endpoint.collection}`);
		const names = fields.body.data.map((field: { field: string }) => field.field);
		for (const name of ['id', 'endpoint', 'method', 'path', 'query', 'headers', 'body', 'body_text', 'raw_body', 'content_type', 'source_ip', 'received_at', 'verified', 'delivery_id', 'status']) {
			expect(names).toContain(name);
		}
		for (const path of [`/webhooks/endpoints/${endpoint.id}`, `/items/webhooks_endpoints/${endpoint.id}`]) {
			const read = await api.get(path);
			expect(read.status).toBe(200);
			expect(JSON.stringify(read.body)).not.toContain(endpoint.secret!);
			expect(read.body.data.url).toBe(endpoint.url);
		}
		const graphql = await api.post('/graphql', { query: `{ webhooks_endpoints(filter: { id: { _eq: ${endpoint.id} } }) { id secrets } }` });
		expect(JSON.stringify(graphql.body)).not.toContain(endpoint.secret!);
	});

	it('rejects bad config with 400 naming the field and reason', async () => {
		const space = await api.post('/webhooks/endpoints', { name: 'x', suffix: 'has space' });
		expect(space.status).toBe(400);
		expect(space.body.errors[0].message).toContain('suffix: a space is not allowed');
		expect(space.body.errors[0].message).toContain('- or _');
		const taken = await createEndpoint();
		const duplicate = await api.post('/webhooks/endpoints', { name: 'x', suffix: taken.suffix });
		expect(duplicate.status).toBe(400);
		expect(duplicate.body.errors[0].message).toContain('is already used by another endpoint');
		const viaItems = await api.post('/items/webhooks_endpoints', { name: 'x', suffix: 'ok', methods: ['HEAD'] });
		expect(viaItems.status).toBe(400);
		expect(viaItems.body.errors[0].message).toContain('methods: unknown method "HEAD"');
		const stripeWithoutSecret = await api.post('/webhooks/endpoints', { name: 'x', suffix: 'stripe-x', auth: 'stripe' });
		expect(stripeWithoutSecret.status).toBe(400);
		expect(stripeWithoutSecret.body.errors[0].message).toContain('secrets: is required when auth is stripe');
	});

	it('when Directus refuses the storage collection (license limit), no endpoint is left behind', async () => {
		const fillers: string[] = [];
		let refusal: { status: number; body: any } | null = null;
		try {
			for (let index = 0; index < 40 && refusal === null; index += 1) {
				const tag = randomBytes(3).toString('hex');
				const response = await api.post('/webhooks/endpoints', { name: `filler ${tag}`, suffix: `filler-${tag}` });
				if (response.status === 200) fillers.push(response.body.data.id);
				else refusal = { status: response.status, body: response.body };
			}
			// Directus 11 has no collection limit: then there is nothing to refuse.
			if (refusal === null) return;
			expect(refusal.body.errors[0].extensions.code).toBe('LIMIT_EXCEEDED');
			const endpoints = await api.get('/webhooks/endpoints?fields=suffix&limit=-1');
			expect(endpoints.body.data.length).toBe(fillers.length);
		} finally {
			for (const id of fillers) await api.delete(`/webhooks/endpoints/${id}?drop_collection=true`);
		}
	});

	it('a batch that Directus refuses after the storage was made leaves no collection behind', async () => {
		const suffix = `twice-${randomBytes(3).toString('hex')}`;
		const response = await api.post('/webhooks/endpoints', [{ name: 'a', suffix }, { name: 'b', suffix }]);
		expect(response.status).toBe(400);
		expect(JSON.stringify(response.body)).toContain('suffix');
		expect((await api.get(`/collections/inbound_${suffix.replace('-', '_')}`)).status).toBe(403);
		expect((await api.get(`/webhooks/endpoints?filter[suffix][_eq]=${suffix}`)).body.data).toEqual([]);
	});

	// Through /items and GraphQL too the storage collection is made inside the write, before the
	// response: the client's next request finds it, and no other request waits for it.
	it('an endpoint created through /items or GraphQL has its storage collection by the next request', async () => {
		const suffix = `items-${randomBytes(3).toString('hex')}`;
		const response = await api.post('/items/webhooks_endpoints', { name: 'via items', suffix });
		expect(response.status, JSON.stringify(response.body)).toBe(200);
		created.push(response.body.data.id);
		expect((await call(`${info.url}/webhooks/in/${suffix}`, json({ a: 1 }))).status).toBe(200);

		const graphqlSuffix = `graphql-${randomBytes(3).toString('hex')}`;
		const viaGraphql = await api.post('/graphql', {
			query: `mutation { create_webhooks_endpoints_item(data: { name: "via graphql", suffix: "${graphqlSuffix}", strict: false, methods: ["POST"] }) { id collection } }`,
		});
		expect(viaGraphql.body.errors, JSON.stringify(viaGraphql.body.errors)).toBeUndefined();
		const endpoint = viaGraphql.body.data.create_webhooks_endpoints_item;
		created.push(Number(endpoint.id));
		// A write that reads the schema inside its transaction (Directus's seat count on a new user):
		// on SQLite it used to stall 30 s behind the collection being made, then fail with a 500.
		const started = Date.now();
		const user = await api.post('/users', { email: `${graphqlSuffix}@example.com`, status: 'draft' });
		expect(user.status, JSON.stringify(user.body)).toBe(200);
		expect(Date.now() - started).toBeLessThan(10_000);
		await api.delete(`/users/${user.body.data.id}`);
		expect((await api.get(`/collections/${endpoint.collection}`)).status).toBe(200);
	});

	it('a create through /items refused part-way leaves no storage collection behind', async () => {
		const collection = `inbound_refused_${randomBytes(3).toString('hex')}`;
		// The first endpoint is valid and gets its storage inside the write; the second is refused,
		// and with it the whole write.
		const response = await api.post('/items/webhooks_endpoints', [
			{ name: 'first', suffix: `${collection}-a`, collection },
			{ name: 'second', suffix: 'not a suffix' },
		]);
		expect(response.status, JSON.stringify(response.body)).toBe(400);
		expect((await api.get(`/webhooks/endpoints?filter[collection][_eq]=${collection}`)).body.data).toEqual([]);
		// Where the database cannot take DDL back (MariaDB) the collection is dropped after the rollback.
		const deadline = Date.now() + 10_000;
		while ((await api.get(`/collections/${collection}`)).status !== 403 && Date.now() < deadline) await sleep(200);
		expect((await api.get(`/collections/${collection}`)).status).toBe(403);
		expect(await tableExists(collection)).toBe(false);
	});

	it('non-admins and the public cannot read or change endpoints', async () => {
		const endpoint = await createEndpoint();
		const pub = api.withToken(null);
		expect((await pub.get('/webhooks/endpoints')).status).toBe(403);
		expect((await pub.get(`/items/webhooks_endpoints/${endpoint.id}`)).status).toBe(403);
		const role = await api.post('/roles', { name: `editor ${randomBytes(3).toString('hex')}` });
		const token = randomBytes(16).toString('hex');
		const user = await api.post('/users', { email: `e-${randomBytes(4).toString('hex')}@example.com`, password: 'pw-123456789', role: role.body.data.id, token });
		expect(user.status).toBe(200);
		const editor = api.withToken(token);
		expect((await editor.get('/webhooks/endpoints')).body.data ?? []).toEqual([]);
		expect((await editor.get(`/webhooks/endpoints/${endpoint.id}`)).status).toBe(403);
		expect((await editor.patch(`/webhooks/endpoints/${endpoint.id}`, { name: 'x' })).status).toBe(403);
		expect((await editor.post('/webhooks/endpoints', { name: 'x', suffix: 'editor' })).status).toBe(403);
		expect((await editor.get(`/items/${endpoint.collection}`)).status).toBe(403);
	});
});

describe('inbound endpoints: requests', () => {
	it('stores each method and content type, and answers with the configured response', async () => {
		const endpoint = await createEndpoint({
			methods: ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'],
			response_status: 202,
			response_headers: [{ header: 'X-Handled-By', value: 'directus' }],
			response_body: '{"stored": {{ item.id }}, "event": "{{ request.body.event }}", "method": "{{ request.method }}"}',
		});
		const multipart = new FormData();
		multipart.append('event', 'form');
		multipart.append('file', new Blob(['hello'], { type: 'text/plain' }), 'a.txt');
		const cases: { method: string; body?: string | FormData; headers?: Record<string, string>; check: (row: Record<string, any>) => void }[] = [
			{ method: 'POST', ...json({ event: 'created', n: 1 }), check: (row) => expect(row.body).toEqual({ event: 'created', n: 1 }) },
			{ method: 'PUT', body: '{"event":"vendor"}', headers: { 'content-type': 'application/vnd.api+json' }, check: (row) => expect(row.body).toEqual({ event: 'vendor' }) },
			{ method: 'PATCH', body: 'event=form&tag=a&tag=b', headers: { 'content-type': 'application/x-www-form-urlencoded' }, check: (row) => expect(row.body).toEqual({ event: 'form', tag: ['a', 'b'] }) },
			{ method: 'POST', body: multipart, check: (row) => expect(row.body).toEqual({ event: 'form', file: { filename: 'a.txt', contentType: 'text/plain', size: 5 } }) },
			{ method: 'POST', body: 'plain words', headers: { 'content-type': 'text/plain' }, check: (row) => expect([row.body, row.body_text]).toEqual([null, 'plain words']) },
			{ method: 'POST', body: '<a>1</a>', headers: { 'content-type': 'application/xml' }, check: (row) => expect(row.body_text).toBe('<a>1</a>') },
			{ method: 'POST', body: 'no type', headers: {}, check: (row) => expect(row.body_text).toBe('no type') },
			{ method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' }, check: (row) => expect([row.body_text, row.parse_error?.startsWith('invalid JSON')]).toEqual(['{not json', true]) },
			{ method: 'GET', check: (row) => expect([row.body, row.body_text, row.query]).toEqual([null, null, { page: '2' }]) },
			{ method: 'DELETE', check: (row) => expect(row.method).toBe('DELETE') },
		];
		for (const entry of cases) {
			const url = entry.method === 'GET' ? `${endpoint.url}?page=2` : endpoint.url;
			const response = await fetch(url, { method: entry.method, body: entry.body as never, headers: entry.headers });
			const text = await response.text();
			expect(response.status, text).toBe(202);
			expect(response.headers.get('x-handled-by')).toBe('directus');
			const answer = JSON.parse(text);
			expect(answer.method).toBe(entry.method);
			const rows = await stored(endpoint);
			const row = rows.find((candidate) => candidate.id === answer.stored);
			expect(row, `row ${answer.stored}`).toBeDefined();
			expect(row!.method).toBe(entry.method);
			expect(row!.endpoint).toBe(endpoint.id);
			expect(row!.status).toBe('received');
			expect(row!.received_at).toBeTruthy();
			expect(row!.source_ip).toMatch(/127\.0\.0\.1/);
			entry.check(row!);
		}
		expect((await stored(endpoint)).length).toBe(cases.length);
	});

	it('redacts credentials and signatures in stored headers', async () => {
		const endpoint = await createEndpoint();
		await call(endpoint.url, { body: '{}', headers: { 'content-type': 'application/json', authorization: 'Bearer abc', cookie: 'a=b', 'x-hub-signature-256': 'sha256=00', 'x-custom': 'kept' } });
		const [row] = await stored(endpoint);
		expect(row!.headers.authorization).toBe('[redacted]');
		expect(row!.headers.cookie).toBe('[redacted]');
		expect(row!.headers['x-hub-signature-256']).toBe('[redacted]');
		expect(row!.headers['x-custom']).toBe('kept');
	});

	it('refuses wrong method (405), oversize (413), unknown (404), paused (503) and stores nothing', async () => {
		const endpoint = await createEndpoint({ methods: ['POST'], max_body_bytes: 1024 });
		const wrongMethod = await call(endpoint.url, { method: 'PUT', body: '{}' });
		expect(wrongMethod.status).toBe(405);
		expect(wrongMethod.headers.get('allow')).toBe('POST');
		const oversize = await call(endpoint.url, { body: 'x'.repeat(2048), headers: { 'content-type': 'text/plain' } });
		expect(oversize.status).toBe(413);
		expect((await call(`${info.url}/webhooks/in/nothing-here-${randomBytes(3).toString('hex')}`, { body: '{}' })).status).toBe(404);
		await api.patch(`/webhooks/endpoints/${endpoint.id}`, { status: 'inactive' });
		const paused = await call(endpoint.url, json({}));
		expect(paused.status).toBe(503);
		expect(paused.headers.get('retry-after')).toBeTruthy();
		expect(await stored(endpoint)).toEqual([]);
	});

	it('strict mode answers 422 with the reasons and stores nothing; matching requests pass', async () => {
		const endpoint = await createEndpoint({ strict: true, expected_headers: ['X-Event'], expected_query: ['source'], expected_body: { id: 'evt_1', amount: 10 } });
		const bad = await call(`${endpoint.url}`, json({ id: 5 }));
		expect(bad.status).toBe(422);
		expect(bad.json.errors[0].extensions.reasons).toEqual(['missing header x-event', 'missing query parameter source', 'body field id must be a string, not number', 'missing body field amount']);
		expect(await stored(endpoint)).toEqual([]);
		const good = await call(`${endpoint.url}?source=shop`, { body: JSON.stringify({ id: 'evt_2', amount: 3 }), headers: { 'content-type': 'application/json', 'x-event': 'paid' } });
		expect(good.status).toBe(200);
		expect((await stored(endpoint)).length).toBe(1);
	});

	it('maps body paths into typed fields', async () => {
		const endpoint = await createEndpoint({
			field_mappings: [
				{ path: 'body.data.object.id', field: 'object_id', type: 'string' },
				{ path: 'body.data.object.amount', field: 'amount', type: 'integer' },
				{ path: 'body.live', field: 'live', type: 'boolean' },
				{ path: 'headers.x-event', field: 'event_name', type: 'string' },
			],
		});
		await call(endpoint.url, { body: JSON.stringify({ data: { object: { id: 'pi_1', amount: '1200' } }, live: true }), headers: { 'content-type': 'application/json', 'x-event': 'payment' } });
		const [row] = await stored(endpoint);
		expect([row!.object_id, row!.amount, row!.live, row!.event_name]).toEqual(['pi_1', 1200, true, 'payment']);
		const fields = await api.get(`/fields/${endpoint.collection}/amount`);
		expect(fields.body.data.type).toBe('integer');
	});

	it('applies a per-endpoint rate limit with 429 and Retry-After', async () => {
		const endpoint = await createEndpoint({ rate_limit_per_minute: 3 });
		const statuses: number[] = [];
		let retryAfter: string | null = null;
		for (let index = 0; index < 5; index += 1) {
			const response = await call(endpoint.url, json({ index }));
			statuses.push(response.status);
			if (response.status === 429) retryAfter = response.headers.get('retry-after');
		}
		expect(statuses).toEqual([200, 200, 200, 429, 429]);
		expect(Number(retryAfter)).toBeGreaterThan(0);
		expect((await stored(endpoint)).length).toBe(3);
	});

	it('overrides refusal statuses when configured', async () => {
		const endpoint = await createEndpoint({ auth: 'api_key', auth_config: { header: 'x-key' }, failure_statuses: { auth: 404, method: 404 } });
		expect((await call(endpoint.url, json({}))).status).toBe(404);
		expect((await call(endpoint.url, { method: 'GET' })).status).toBe(404);
		expect((await call(endpoint.url, { ...json({}), headers: { 'content-type': 'application/json', 'x-key': endpoint.secret! } })).status).toBe(200);
		const [row] = await stored(endpoint);
		expect(row!.headers['x-key']).toBe('[redacted]');
		expect(JSON.stringify(row)).not.toContain(endpoint.secret!);
	});

	it('gives up on a body that trickles in too slowly (408) without holding the connection', async () => {
		const endpoint = await createEndpoint();
		const { port, hostname } = new URL(endpoint.url);
		const started = Date.now();
		const answer = await new Promise<string>((resolve, reject) => {
			const socket = connect(Number(port), hostname, () => {
				socket.write(`POST ${new URL(endpoint.url).pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nabc`);
			});
			let data = '';
			socket.on('data', (chunk) => (data += chunk.toString()));
			socket.on('close', () => resolve(data));
			socket.on('error', reject);
			setTimeout(() => socket.destroy(), 30_000);
		});
		expect(answer).toMatch(/^HTTP\/1\.1 408/);
		expect(Date.now() - started).toBeLessThan(25_000);
		expect(await stored(endpoint)).toEqual([]);
	});
});

describe('inbound endpoints: verification', () => {
	const body = JSON.stringify({ id: 'evt_e2e', type: 'test.event', data: { n: 1 } });
	const jsonType = { 'content-type': 'application/json' };

	it('Standard Webhooks (webhook-* and svix-*): verifies, rejects wrong and stale signatures, dedupes replays', async () => {
		const endpoint = await createEndpoint({ auth: 'standard_webhooks', response_body: '{"id": {{ item.id }}}' });
		const signer = new StandardWebhook(endpoint.secret!);
		const id = `msg_${randomUUID()}`;
		const signed = (messageId: string, at = new Date(), prefix = 'webhook') => ({
			...jsonType,
			[`${prefix}-id`]: messageId,
			[`${prefix}-timestamp`]: String(Math.floor(at.getTime() / 1000)),
			[`${prefix}-signature`]: signer.sign(messageId, at, body),
		});
		const first = await call(endpoint.url, { body, headers: signed(id) });
		expect(first.status).toBe(200);
		const replay = await call(endpoint.url, { body, headers: signed(id) });
		expect(replay.status).toBe(200);
		expect(replay.json).toEqual(first.json);
		expect(replay.headers.get('x-webhook-duplicate')).toBe('true');
		const svix = await call(endpoint.url, { body, headers: signed(`msg_${randomUUID()}`, new Date(), 'svix') });
		expect(svix.status).toBe(200);
		const wrong = await call(endpoint.url, { body: body.replace('1', '2'), headers: signed(`msg_${randomUUID()}`) });
		expect(wrong.status).toBe(401);
		const stale = await call(endpoint.url, { body, headers: signed(`msg_${randomUUID()}`, new Date(Date.now() - 600_000)) });
		expect(stale.status).toBe(401);
		expect(stale.json.errors[0].message).toContain('tolerance');
		const rows = await stored(endpoint);
		expect(rows.length).toBe(2);
		expect(rows[0]!.delivery_id).toBe(id);
		expect(rows[0]!.verified).toBe(true);
		expect(rows[0]!.raw_body).toBe(body);
	});

	it('concurrent redeliveries of one id store one row', async () => {
		const endpoint = await createEndpoint({ auth: 'none', dedupe_header: 'X-Delivery' });
		const answers = await Promise.all(Array.from({ length: 8 }, () => call(endpoint.url, { body, headers: { ...jsonType, 'x-delivery': 'same-id' } })));
		expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
		expect((await stored(endpoint)).length).toBe(1);
	});

	it('GitHub: signed by @octokit/webhooks-methods, deduped on X-GitHub-Delivery', async () => {
		const endpoint = await createEndpoint({ auth: 'github' });
		const delivery = randomUUID();
		const headers = { ...jsonType, 'x-hub-signature-256': await githubSign(endpoint.secret!, body), 'x-github-delivery': delivery, 'x-github-event': 'push' };
		expect((await call(endpoint.url, { body, headers })).status).toBe(200);
		expect((await call(endpoint.url, { body, headers })).status).toBe(200);
		expect((await call(endpoint.url, { body, headers: { ...headers, 'x-hub-signature-256': await githubSign('wrong', body) } })).status).toBe(401);
		const rows = await stored(endpoint);
		expect(rows.map((row) => row.delivery_id)).toEqual([delivery]);
	});

	it('Stripe: the library test header verifies; the event id dedupes; stale timestamps are refused', async () => {
		const secret = `whsec_${randomBytes(24).toString('hex')}`;
		const endpoint = await createEndpoint({ auth: 'stripe', secrets: [secret] });
		expect(endpoint.secret).toBeUndefined();
		const stripe = new Stripe('sk_test_unused');
		const header = (timestamp = Math.floor(Date.now() / 1000)) => stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
		expect((await call(endpoint.url, { body, headers: { ...jsonType, 'stripe-signature': header() } })).status).toBe(200);
		expect((await call(endpoint.url, { body, headers: { ...jsonType, 'stripe-signature': header() } })).status).toBe(200);
		expect((await call(endpoint.url, { body, headers: { ...jsonType, 'stripe-signature': header(Math.floor(Date.now() / 1000) - 3600) } })).status).toBe(401);
		const rows = await stored(endpoint);
		expect(rows.map((row) => row.delivery_id)).toEqual(['evt_e2e']);
	});

	it('Shopify and Slack, signed by hand', async () => {
		const shopifySecret = randomBytes(16).toString('hex');
		const shop = await createEndpoint({ auth: 'shopify', secrets: [shopifySecret] });
		const hmac = createHmac('sha256', shopifySecret).update(body).digest('base64');
		expect((await call(shop.url, { body, headers: { ...jsonType, 'x-shopify-hmac-sha256': hmac, 'x-shopify-webhook-id': 'shop-1' } })).status).toBe(200);
		expect((await call(shop.url, { body, headers: { ...jsonType, 'x-shopify-hmac-sha256': 'AAAA', 'x-shopify-webhook-id': 'shop-2' } })).status).toBe(401);
		expect((await stored(shop)).map((row) => row.delivery_id)).toEqual(['shop-1']);

		const slackSecret = randomBytes(16).toString('hex');
		const slackEndpoint = await createEndpoint({ auth: 'slack', secrets: [slackSecret] });
		const form = 'payload=%7B%22type%22%3A%22block_actions%22%7D';
		const slackHeaders = (timestamp: number) => ({
			'content-type': 'application/x-www-form-urlencoded',
			'x-slack-request-timestamp': String(timestamp),
			'x-slack-signature': `v0=${createHmac('sha256', slackSecret).update(`v0:${timestamp}:${form}`).digest('hex')}`,
		});
		const now = Math.floor(Date.now() / 1000);
		expect((await call(slackEndpoint.url, { body: form, headers: slackHeaders(now) })).status).toBe(200);
		expect((await call(slackEndpoint.url, { body: form, headers: slackHeaders(now - 301) })).status).toBe(401);
		const [row] = await stored(slackEndpoint);
		expect(row!.body).toEqual({ payload: '{"type":"block_actions"}' });
	});

	it('API key (header and query), basic auth and generic HMAC', async () => {
		const keyed = await createEndpoint({ auth: 'api_key', auth_config: { query: 'key' } });
		expect((await call(`${keyed.url}?key=${encodeURIComponent(keyed.secret!)}`, json({}))).status).toBe(200);
		expect((await call(`${keyed.url}?key=nope`, json({}))).status).toBe(401);
		// The key is a credential: never stored in clear, wherever it was sent.
		expect((await stored(keyed))[0]!.query).toEqual({ key: '[redacted]' });

		const basic = await createEndpoint({ auth: 'basic', secrets: ['hook:s3cret'] });
		const auth = (pair: string) => ({ authorization: `Basic ${Buffer.from(pair).toString('base64')}` });
		expect((await call(basic.url, { body: '{}', headers: { ...jsonType, ...auth('hook:s3cret') } })).status).toBe(200);
		expect((await call(basic.url, { body: '{}', headers: { ...jsonType, ...auth('hook:wrong') } })).status).toBe(401);

		const generic = await createEndpoint({ auth: 'hmac', auth_config: { header: 'X-Signature', algorithm: 'sha512', encoding: 'base64', prefix: 'sha512=', deliveryIdHeader: 'X-Request-Id' } });
		const signature = `sha512=${createHmac('sha512', generic.secret!).update(body).digest('base64')}`;
		expect((await call(generic.url, { body, headers: { ...jsonType, 'x-signature': signature, 'x-request-id': 'r1' } })).status).toBe(200);
		expect((await call(generic.url, { body, headers: { ...jsonType, 'x-signature': signature, 'x-request-id': 'r1' } })).status).toBe(200);
		expect((await call(generic.url, { body: `${body} `, headers: { ...jsonType, 'x-signature': signature, 'x-request-id': 'r2' } })).status).toBe(401);
		expect((await stored(generic)).length).toBe(1);
	});

	it('rotation: the new secret works at once and the old one keeps working during the overlap', async () => {
		const endpoint = await createEndpoint({ auth: 'api_key', auth_config: { header: 'x-key' } });
		const rotated = await api.post(`/webhooks/endpoints/${endpoint.id}/rotate-secret`);
		expect(rotated.status).toBe(200);
		const fresh = rotated.body.data.secret as string;
		expect(fresh).not.toBe(endpoint.secret);
		for (const key of [fresh, endpoint.secret!]) {
			expect((await call(endpoint.url, { body: '{}', headers: { ...jsonType, 'x-key': key } })).status).toBe(200);
		}
		const replaced = await api.patch(`/webhooks/endpoints/${endpoint.id}`, { secrets: [fresh] });
		expect(replaced.status).toBe(200);
		expect((await call(endpoint.url, { body: '{}', headers: { ...jsonType, 'x-key': endpoint.secret! } })).status).toBe(401);
	});
});

describe('inbound endpoints: secrets in logs', () => {
	it('no secret used in these tests appears in the Directus log', () => {
		expect(secretsSeen.length).toBeGreaterThan(5);
		const log = readFileSync(info.logFile, 'utf8');
		for (const secret of secretsSeen) expect(log.includes(secret), 'a secret is in the log').toBe(false);
	});
});

/** An active Flow run by items.create on `collection`, its operations run one after another, in order. */
async function eventFlow(collection: string, operations: Record<string, unknown>[]): Promise<string> {
	const flow = await api.post('/flows', { name: `e2e on ${collection}`, status: 'active', trigger: 'event', accountability: 'all', options: { type: 'action', scope: ['items.create'], collections: [collection] } });
	expect(flow.status, JSON.stringify(flow.body)).toBe(200);
	let next: string | null = null;
	for (const [index, operation] of [...operations.entries()].reverse()) {
		const created: { status: number; body: any } = await api.post('/operations', { ...operation, position_x: 19 + index * 18, position_y: 1, flow: flow.body.data.id, resolve: next });
		expect(created.status, JSON.stringify(created.body)).toBe(200);
		next = created.body.data.id;
	}
	await api.patch(`/flows/${flow.body.data.id}`, { operation: next });
	return flow.body.data.id;
}

/** A collection the Flows write to: what they saw, one row per run. */
async function marksCollection(): Promise<{ name: string; sources: () => Promise<string[]> }> {
	const name = `e2e_marks_${randomBytes(3).toString('hex')}`;
	await api.createCollection(name, { source: 'string' });
	return { name, sources: async () => (await api.get(`/items/${name}?limit=-1`)).body.data.map((row: { source: string }) => row.source) };
}

describe('inbound endpoints: Flows and lifecycle', () => {
	it('a Flow with an event trigger on the storage collection runs for each stored request', async () => {
		const endpoint = await createEndpoint();
		const marks = await marksCollection();
		const flow = await eventFlow(endpoint.collection, [
			{ name: 'mark', key: 'mark', type: 'item-create', options: { collection: marks.name, permissions: '$full', payload: { source: '{{$trigger.payload.body.order}}' } } },
		]);
		expect((await call(endpoint.url, json({ order: 'A-17' }))).status).toBe(200);
		expect(await until(marks.sources, (sources) => sources.length > 0, 15_000)).toEqual(['A-17']);
		await api.delete(`/flows/${flow}`);
		await api.delete(`/collections/${marks.name}`);
	});

	it('concurrent requests are stored in groups: the Flow runs once per stored row and reads it committed, a redelivery in a group changes nothing', async () => {
		const endpoint = await createEndpoint({ dedupe_header: 'X-Delivery' });
		const marks = await marksCollection();
		// The Flow reads the stored row back by its key (on PostgreSQL and MariaDB over another
		// connection): an event sent before the commit would find nothing to mark.
		const flow = await eventFlow(endpoint.collection, [
			{ name: 'read', key: 'read', type: 'item-read', options: { collection: endpoint.collection, permissions: '$full', key: '{{$trigger.key}}' } },
			{ name: 'mark', key: 'mark', type: 'item-create', options: { collection: marks.name, permissions: '$full', payload: { source: '{{read.body.order}}' } } },
		]);
		const send = (order: string, delivery: string) => call(endpoint.url, { body: JSON.stringify({ order }), headers: { 'content-type': 'application/json', 'x-delivery': delivery } });
		expect((await send('first', 'd-first')).status).toBe(200);
		const orders = Array.from({ length: 40 }, (_, index) => `o-${index}`);
		// The redelivery lands in one of the groups: that group fails as a whole and is written again row by row.
		const answers = await Promise.all([...orders.map((order) => send(order, `d-${order}`)), send('first again', 'd-first')]);
		expect(answers.map((answer) => answer.status)).toEqual(Array(41).fill(200));
		expect(answers.at(-1)!.headers.get('x-webhook-duplicate')).toBe('true');
		const expected = ['first', ...orders].sort();
		expect((await stored(endpoint)).map((row) => row.body.order).sort()).toEqual(expected);
		await until(marks.sources, (sources) => sources.length >= expected.length, 20_000);
		await sleep(500); // a late extra run would show here
		expect((await marks.sources()).sort()).toEqual(expected);
		await api.delete(`/flows/${flow}`);
		await api.delete(`/collections/${marks.name}`);
	});

	it('a redelivery in a group of requests without delivery ids leaves each of them stored once', async () => {
		// The failed group is rolled back and written again row by row: no row of it may have
		// been committed anyway. The race behind that (on SQLite, a statement still queued when
		// the ROLLBACK went out) is rare here; the pipelined-items unit test forces it.
		const endpoint = await createEndpoint({ dedupe_header: 'X-Delivery' });
		const redelivery = (n: string) => call(endpoint.url, { body: JSON.stringify({ n }), headers: { 'content-type': 'application/json', 'x-delivery': 'd-first' } });
		expect((await redelivery('first')).status).toBe(200);
		const ROUNDS = 5;
		const PER_ROUND = 60;
		for (let round = 0; round < ROUNDS; round += 1) {
			const plain = Array.from({ length: PER_ROUND }, (_, index) => call(endpoint.url, json({ n: `${round}-${index}` })));
			// In the middle: the rows after it in its group are what the rollback must catch.
			plain.splice(PER_ROUND / 2, 0, redelivery('again'));
			const answers = await Promise.all(plain);
			expect(answers.map((answer) => answer.status)).toEqual(Array(PER_ROUND + 1).fill(200));
		}
		const rows = await stored(endpoint);
		const counts = new Map<string, number>();
		for (const row of rows) counts.set(row.body.n, (counts.get(row.body.n) ?? 0) + 1);
		expect([...counts].filter(([, count]) => count > 1)).toEqual([]);
		expect(rows.length).toBe(1 + ROUNDS * PER_ROUND);
	});

	it('deleting an endpoint keeps its stored requests unless asked; a new endpoint with the suffix takes them over', async () => {
		const endpoint = await createEndpoint();
		await call(endpoint.url, json({ keep: true }));
		expect((await api.delete(`/webhooks/endpoints/${endpoint.id}`)).status).toBe(204);
		expect((await call(endpoint.url, json({}))).status).toBe(404);
		expect((await stored(endpoint)).length).toBe(1);
		const again = await createEndpoint({ suffix: endpoint.suffix as string });
		expect(again.collection).toBe(endpoint.collection);
		await call(again.url, json({ keep: 'again' }));
		expect((await stored(again)).length).toBe(2);
		expect((await api.delete(`/webhooks/endpoints/${again.id}?drop_collection=true`)).status).toBe(204);
		expect((await api.get(`/collections/${again.collection}`)).status).toBe(403);
	});

	it('lists recent requests of an endpoint', async () => {
		const endpoint = await createEndpoint();
		await call(endpoint.url, json({ n: 1 }));
		await call(endpoint.url, json({ n: 2 }));
		const recent = await api.get(`/webhooks/endpoints/${endpoint.id}/requests`);
		expect(recent.status).toBe(200);
		expect(recent.body.data.map((row: { body: { n: number } }) => row.body.n)).toEqual([2, 1]);
		const activity = await api.get(`/webhooks/stats/activity?endpoint=${endpoint.id}&hours=2`);
		expect(activity.status).toBe(200);
		expect(activity.body.data.reduce((sum: number, bucket: { inbound: number }) => sum + bucket.inbound, 0)).toBe(2);
		expect((await api.withToken(null).get('/webhooks/stats/activity')).status).toBe(403);
	});
});
