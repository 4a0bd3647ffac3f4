import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { Receiver, verifyStandard, type ReceivedRequest } from '../harness/receiver.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const COLLECTION = 'e2e_articles';
let receiver: Receiver;

async function createWebhook(overrides: Record<string, unknown> = {}) {
	const response = await api.post('/webhooks', {
		name: `e2e ${Math.random().toString(36).slice(2, 8)}`,
		url: receiver.url('/hook'),
		actions: ['create', 'update', 'delete'],
		collections: [COLLECTION],
		...overrides,
	});
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	return response.body.data as { id: number; secret: string; [key: string]: unknown };
}

function requestsFor(path: string): ReceivedRequest[] {
	return receiver.requests.filter((request) => request.path === path);
}

beforeAll(async () => {
	receiver = await Receiver.start();
	await api.createCollection(COLLECTION, { title: 'string', status: 'string' });
});

afterAll(async () => {
	const hooks = await api.get('/webhooks?fields=id&limit=-1');
	const ids = (hooks.body.data ?? []).map((hook: { id: number }) => hook.id);
	if (ids.length > 0) await api.delete('/webhooks', ids);
	await receiver.close();
});

beforeEach(() => receiver.respond(() => ({ status: 200, body: 'ok' })));

describe('outgoing webhooks: delivery', () => {
	it('delivers create, update and delete with the legacy body and Standard Webhooks signature', async () => {
		const path = '/crud';
		const hook = await createWebhook({ url: receiver.url(path) });
		expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);

		const item = await api.post(`/items/${COLLECTION}`, { title: 'Hello' });
		const key = item.body.data.id;
		await api.patch(`/items/${COLLECTION}/${key}`, { title: 'Hello again' });
		await api.delete(`/items/${COLLECTION}/${key}`);
		await receiver.waitFor(3);
		await until(async () => requestsFor(path), (list) => list.length >= 3);

		const bodies = requestsFor(path).map((request) => JSON.parse(request.body));
		const byEvent = Object.fromEntries(bodies.map((body) => [body.event, body]));
		expect(byEvent[`${COLLECTION}.items.create`]).toMatchObject({ collection: COLLECTION, key, payload: { title: 'Hello' }, accountability: { user: expect.any(String), role: expect.any(String) } });
		expect(byEvent[`${COLLECTION}.items.update`]).toMatchObject({ collection: COLLECTION, keys: [key], payload: { title: 'Hello again' } });
		expect(byEvent[`${COLLECTION}.items.delete`]).toMatchObject({ collection: COLLECTION, keys: [key] });

		for (const request of requestsFor(path)) {
			expect(request.method).toBe('POST');
			expect(request.headers['content-type']).toBe('application/json');
			// A known length, not chunked: some receivers (and proxies) refuse chunked request bodies.
			expect(request.headers['content-length']).toBe(String(Buffer.byteLength(request.body)));
			expect(request.headers['transfer-encoding']).toBeUndefined();
			// msg_, the time the event was written (ms, 12 hex digits), then 128 random bits.
			const id = /^msg_([0-9a-f]{12})[A-Za-z0-9_-]{22}$/.exec(String(request.headers['webhook-id']));
			expect(id).not.toBeNull();
			expect(Math.abs(parseInt(id![1]!, 16) - Date.now())).toBeLessThan(60_000);
			expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
			expect(() => verifyStandard(hook.secret, request)).not.toThrow();
			expect(() => verifyStandard('whsec_' + Buffer.alloc(32, 1).toString('base64'), request)).toThrow();
		}
	});

	it('fires once per item for batch writes, each with its own webhook-id', async () => {
		const path = '/batch';
		await createWebhook({ url: receiver.url(path), actions: ['create'] });
		const items = await api.post(`/items/${COLLECTION}`, [{ title: 'a' }, { title: 'b' }, { title: 'c' }, { title: 'd' }]);
		expect(items.status).toBe(200);
		const requests = await until(async () => requestsFor(path), (list) => list.length >= 4);
		await new Promise((wait) => setTimeout(wait, 500));
		expect(requestsFor(path)).toHaveLength(4);
		expect(new Set(requests.map((request) => request.headers['webhook-id'])).size).toBe(4);
		expect(requests.map((request) => JSON.parse(request.body).key).sort()).toEqual(items.body.data.map((item: { id: number }) => item.id).sort());
	});

	it('sends custom method and headers, and no body when data is false', async () => {
		const path = '/nobody';
		await createWebhook({ url: receiver.url(path), method: 'PUT', data: false, actions: ['create'], headers: [{ header: 'X-Token', value: 'abc123', secret: true }] });
		await api.post(`/items/${COLLECTION}`, { title: 'no body' });
		const [request] = await until(async () => requestsFor(path), (list) => list.length >= 1);
		expect(request!.method).toBe('PUT');
		expect(request!.body).toBe('');
		expect(request!.headers['x-token']).toBe('abc123');
		expect(request!.headers['webhook-signature']).toMatch(/^v1,/);
	});

	it('retries while the receiver is down and delivers every event once it recovers', async () => {
		const path = '/flaky';
		const hook = await createWebhook({ url: receiver.url(path), actions: ['create'] });
		let down = true;
		receiver.respond((request) => (request.path === path && down ? { status: 503 } : { status: 200 }));
		await api.post(`/items/${COLLECTION}`, Array.from({ length: 10 }, (_, index) => ({ title: `retry ${index}` })));
		await until(async () => requestsFor(path), (list) => list.length >= 10);
		await new Promise((wait) => setTimeout(wait, 1500));
		down = false;
		await until(async () => (await api.get(`/webhooks/${hook.id}/deliveries?limit=-1`)).body.data, (list: any[]) => list.length === 10 && list.every((delivery) => delivery.status === 'succeeded'), 30_000);

		const delivered = requestsFor(path).filter((request) => request.at >= 0);
		const ids = delivered.map((request) => String(request.headers['webhook-id']));
		expect(new Set(ids).size).toBe(10);
		// Every id was retried at least once, and is the same on each attempt.
		for (const id of new Set(ids)) expect(ids.filter((value) => value === id).length).toBeGreaterThanOrEqual(2);

		const deliveries = (await api.get(`/webhooks/${hook.id}/deliveries?limit=-1`)).body.data;
		const detail = await api.get(`/webhooks/${hook.id}/deliveries/${deliveries[0].id}`);
		const attempts = detail.body.data.attempts;
		expect(attempts.length).toBeGreaterThanOrEqual(2);
		expect(attempts[0].response_status).toBe(503);
		expect(attempts.at(-1).response_status).toBe(200);
	});

	it('disables a webhook whose receiver answers 410 Gone and notifies admins', async () => {
		const path = '/gone';
		const hook = await createWebhook({ url: receiver.url(path), actions: ['create'] });
		receiver.respond((request) => (request.path === path ? { status: 410 } : { status: 200 }));
		await api.post(`/items/${COLLECTION}`, { title: 'gone' });
		const disabled = await until(async () => (await api.get(`/webhooks/${hook.id}`)).body.data, (data: any) => data.status === 'inactive');
		expect(disabled.disabled_reason).toMatch(/410/);
		const notifications = await until(
			async () => (await api.get(`/notifications?filter[item][_eq]=${hook.id}&filter[collection][_eq]=webhooks_outgoing`)).body.data,
			(list: any[]) => list.length > 0,
		);
		expect(notifications[0].subject).toContain(hook.name as string);

		const before = requestsFor(path).length;
		await api.post(`/items/${COLLECTION}`, { title: 'after gone' });
		await new Promise((wait) => setTimeout(wait, 1000));
		expect(requestsFor(path).length).toBe(before);
	});

	it('disables a webhook that keeps failing past WEBHOOKS_DISABLE_AFTER and notifies admins', async () => {
		const path = '/always-failing';
		const hook = await createWebhook({ url: receiver.url(path), actions: ['create'] });
		receiver.respond((request) => (request.path === path ? { status: 500 } : { status: 200 }));
		await api.post(`/items/${COLLECTION}`, { title: 'doomed' });
		const disabled = await until(async () => (await api.get(`/webhooks/${hook.id}`)).body.data, (data: any) => data.status === 'inactive', 30_000);
		expect(disabled.disabled_reason).toMatch(/failed/);
		// Admins are notified right after the webhook is switched off, not in the same transaction.
		await until(async () => (await api.get(`/notifications?filter[item][_eq]=${hook.id}&filter[collection][_eq]=webhooks_outgoing`)).body.data, (list: any[]) => list.length > 0);

		// Re-enabling clears the reason and the failure clock.
		const enabled = await api.patch(`/webhooks/${hook.id}`, { status: 'active' });
		expect(enabled.body.data).toMatchObject({ status: 'active', disabled_reason: null, failing_since: null });
	});

	it('refuses a blocked target and records why', async () => {
		// 127.0.0.2 is loopback but not in the test allow list (127.0.0.1, ::1).
		const hook = await createWebhook({ url: `http://127.0.0.2:${receiver.port}/blocked`, actions: ['create'] });
		await api.post(`/items/${COLLECTION}`, { title: 'blocked' });
		const [delivery] = await until(async () => (await api.get(`/webhooks/${hook.id}/deliveries`)).body.data, (list: any[]) => list.length > 0 && list[0].attempts > 0);
		expect(delivery.last_error).toMatch(/loopback/);
		// Not retried: waiting will not make the address allowed.
		expect(delivery).toMatchObject({ status: 'failed', attempts: 1, next_attempt_at: null });
		expect(requestsFor('/blocked')).toHaveLength(0);
	});

	it('sends a test event and resends a delivery with the same webhook-id', async () => {
		const path = '/ping';
		const hook = await createWebhook({ url: receiver.url(path), actions: ['create'] });
		const test = await api.post(`/webhooks/${hook.id}/test`);
		expect(test.status).toBe(200);
		const [first] = await until(async () => requestsFor(path), (list) => list.length >= 1);
		expect(JSON.parse(first!.body)).toMatchObject({ event: 'webhook.test', webhook: { id: hook.id } });
		await until(async () => (await api.get(`/webhooks/${hook.id}/deliveries/${test.body.data.id}`)).body.data, (data: any) => data.status === 'succeeded');

		const resent = await api.post(`/webhooks/${hook.id}/deliveries/${test.body.data.id}/resend`);
		expect(resent.status).toBe(200);
		const list = await until(async () => requestsFor(path), (requests) => requests.length >= 2);
		expect(list[1]!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
	});

	it('rotates the secret and signs with both while the old one is in its overlap', async () => {
		const path = '/rotate';
		const hook = await createWebhook({ url: receiver.url(path), actions: ['create'] });
		const rotated = await api.post(`/webhooks/${hook.id}/rotate-secret`);
		expect(rotated.status).toBe(200);
		const fresh = rotated.body.data.secret as string;
		expect(fresh).not.toBe(hook.secret);
		await api.post(`/items/${COLLECTION}`, { title: 'rotated' });
		const [request] = await until(async () => requestsFor(path), (list) => list.length >= 1);
		expect(String(request!.headers['webhook-signature']).split(' ')).toHaveLength(2);
		expect(() => verifyStandard(fresh, request!)).not.toThrow();
		expect(() => verifyStandard(hook.secret, request!)).not.toThrow();
	});
});

describe('outgoing webhooks: payload options', () => {
	it('sends previous values on update and delete when asked', async () => {
		const path = '/previous';
		await createWebhook({ url: receiver.url(path), actions: ['update', 'delete'], include_previous: true });
		const item = await api.post(`/items/${COLLECTION}`, { title: 'before' });
		await api.patch(`/items/${COLLECTION}/${item.body.data.id}`, { title: 'after' });
		await api.delete(`/items/${COLLECTION}/${item.body.data.id}`);
		const requests = await until(async () => requestsFor(path), (list) => list.length >= 2);
		const bodies = requests.map((request) => JSON.parse(request.body));
		const update = bodies.find((body) => body.event.endsWith('.update'));
		const removal = bodies.find((body) => body.event.endsWith('.delete'));
		expect(update).toMatchObject({ payload: { title: 'after' }, previous: { title: 'before' } });
		expect(removal).toMatchObject({ keys: [item.body.data.id], previous: { title: 'after' } });
	});

	it('sends the full item with the chosen fields, read at delivery time', async () => {
		const path = '/item';
		await createWebhook({ url: receiver.url(path), actions: ['create'], payload: 'item', fields: ['id', 'title'] });
		const item = await api.post(`/items/${COLLECTION}`, { title: 'full item', status: 'published' });
		const [request] = await until(async () => requestsFor(path), (list) => list.length >= 1);
		const body = JSON.parse(request!.body);
		expect(body).toMatchObject({ event: `${COLLECTION}.items.create`, key: item.body.data.id, item: { id: item.body.data.id, title: 'full item' } });
		expect(body.item.status).toBeUndefined();
		expect(body.payload).toBeUndefined();
	});

	it('fires only for items matching the filter rules', async () => {
		const path = '/filtered';
		const hook = await createWebhook({ url: receiver.url(path), actions: ['create'], filter: { status: { _eq: 'published' } } });
		await api.post(`/items/${COLLECTION}`, { title: 'draft one', status: 'draft' });
		await api.post(`/items/${COLLECTION}`, { title: 'published one', status: 'published' });
		const deliveries = await until(async () => (await api.get(`/webhooks/${hook.id}/deliveries`)).body.data, (list: any[]) => list.length === 2 && list.every((delivery) => delivery.status !== 'pending' && delivery.status !== 'sending'));
		expect(deliveries.map((delivery: any) => delivery.status).sort()).toEqual(['skipped', 'succeeded']);
		expect(requestsFor(path).map((request) => JSON.parse(request.body).payload.title)).toEqual(['published one']);
	});

	it('fires updates only when a watched field changes', async () => {
		const path = '/watched';
		await createWebhook({ url: receiver.url(path), actions: ['update'], watch_fields: ['status'] });
		const item = await api.post(`/items/${COLLECTION}`, { title: 'watch', status: 'draft' });
		await api.patch(`/items/${COLLECTION}/${item.body.data.id}`, { title: 'renamed only' });
		await api.patch(`/items/${COLLECTION}/${item.body.data.id}`, { status: 'published' });
		const [request] = await until(async () => requestsFor(path), (list) => list.length >= 1);
		await new Promise((wait) => setTimeout(wait, 500));
		expect(requestsFor(path)).toHaveLength(1);
		expect(JSON.parse(request!.body).payload).toEqual({ status: 'published' });
	});

	it('fires for system collections such as directus_users, never sending passwords or tokens', async () => {
		const path = '/users';
		await createWebhook({ url: receiver.url(path), actions: ['create', 'update'], collections: ['directus_users'], include_previous: true });
		const user = await api.post('/users', { email: `hooked${Date.now()}@example.com`, password: 'hooked-password-1', token: 'hooked-token-1' });
		await api.patch(`/users/${user.body.data.id}`, { password: 'hooked-password-2', first_name: 'Hook' });
		const requests = await until(async () => requestsFor(path), (list) => list.length >= 2);
		const created = JSON.parse(requests.find((request) => request.body.includes('.items.create'))!.body);
		expect(created).toMatchObject({ event: 'directus_users.items.create', collection: 'directus_users', key: user.body.data.id, payload: { password: '**********', token: '**********' } });
		const updated = JSON.parse(requests.find((request) => request.body.includes('.items.update'))!.body);
		expect(updated.previous.password).toBe('**********');
		expect(updated.previous.token).toBe('**********');
		for (const request of requests) for (const secret of ['hooked-password', 'hooked-token', '$argon2']) expect(request.body).not.toContain(secret);
	});
});

describe('outgoing webhooks: configuration API', () => {
	it('answers in the legacy { data } shape and supports the global query parameters', async () => {
		const hook = await createWebhook({ name: 'query-me', description: 'find me' });
		const list = await api.get('/webhooks?fields=id,name&filter[name][_eq]=query-me&sort=-id&limit=5');
		expect(list.status).toBe(200);
		expect(list.body.data).toEqual([{ id: hook.id, name: 'query-me' }]);
		const searched = await api.get('/webhooks?search=find%20me&fields=id');
		expect(searched.body.data.map((row: { id: number }) => row.id)).toContain(hook.id);
		const one = await api.get(`/webhooks/${hook.id}`);
		expect(one.body.data).toMatchObject({ id: hook.id, method: 'POST', status: 'active', data: true, actions: ['create', 'update', 'delete'], collections: [COLLECTION] });

		const patched = await api.patch(`/webhooks/${hook.id}`, { method: 'PATCH', status: 'inactive' });
		expect(patched.body.data).toMatchObject({ method: 'PATCH', status: 'inactive' });
		expect((await api.delete(`/webhooks/${hook.id}`)).status).toBe(204);
		expect((await api.get(`/webhooks/${hook.id}`)).status).toBe(403);
	});

	it('creates several webhooks from an array, each with its own secret', async () => {
		const response = await api.post('/webhooks', [
			{ name: 'many 1', url: receiver.url('/m1'), actions: ['create'], collections: [COLLECTION] },
			{ name: 'many 2', url: receiver.url('/m2'), actions: ['delete'], collections: ['directus_users'] },
		]);
		expect(response.status).toBe(200);
		expect(response.body.data).toHaveLength(2);
		expect(response.body.data[0].secret).not.toBe(response.body.data[1].secret);
		const ids = response.body.data.map((hook: { id: number }) => hook.id);
		expect((await api.delete('/webhooks', ids)).status).toBe(204);
	});

	it('never returns a secret after creation: API, /items, GraphQL, logs', async () => {
		const path = '/masked';
		const hook = await createWebhook({ url: receiver.url(path), actions: ['delete'], headers: [{ header: 'Authorization', value: 'Bearer very-secret-value', secret: true }] });
		const fromApi = await api.get(`/webhooks/${hook.id}`);
		const fromItems = await api.get(`/items/webhooks_outgoing/${hook.id}`);
		const fromGraphql = await api.post('/graphql', { query: `{ webhooks_outgoing_by_id(id: ${hook.id}) { id secret secret_previous headers } }` });
		const list = await api.get('/webhooks');
		for (const response of [fromApi, fromItems, fromGraphql, list]) {
			const text = JSON.stringify(response.body);
			expect(text).not.toContain(hook.secret);
			expect(text).not.toContain(hook.secret.slice(6));
			expect(text).not.toContain('very-secret-value');
		}
		expect(fromApi.body.data.secret).toBe('**********');
		expect(fromApi.body.data.headers[0]).toEqual({ header: 'Authorization', value: '**********', secret: true });

		// Sending the masked value back (as the app does) keeps the real one.
		await api.patch(`/webhooks/${hook.id}`, { headers: fromApi.body.data.headers, name: 'renamed' });
		// (A new URL would need the value entered again: see secret-headers.test.ts.)
		await api.patch(`/webhooks/${hook.id}`, { actions: ['create'] });
		await api.post(`/items/${COLLECTION}`, { title: 'masked' });
		const [request] = await until(async () => requestsFor(path), (requests) => requests.length >= 1);
		expect(request!.headers.authorization).toBe('Bearer very-secret-value');

		const log = readFileSync(info.logFile, 'utf8');
		expect(log).not.toContain(hook.secret.slice(6));
		expect(log).not.toContain('very-secret-value');
	});

	it.each([
		['url', { url: 'not a url' }],
		['url', { url: 'ftp://example.com/x' }],
		['url', { url: 'javascript:alert(1)' }],
		['collections', { collections: ['no_such_collection'] }],
		['collections', { collections: ['webhooks_outgoing'] }],
		['actions', { actions: ['explode'] }],
		['method', { method: 'TRACE' }],
		['headers[0].header', { headers: [{ header: 'Bad Header', value: 'x' }] }],
		['headers[0].value', { headers: [{ header: 'X-Ok', value: 'a\r\nInjected: 1' }] }],
		['name', { name: '' }],
	])('rejects a bad %s with 400 naming the field', async (field, overrides) => {
		const body = { name: 'bad', url: 'https://example.com/hook', actions: ['create'], collections: [COLLECTION], ...overrides };
		const viaApi = await api.post('/webhooks', body);
		expect(viaApi.status).toBe(400);
		expect(viaApi.body.errors[0].message).toContain(`${field}:`);
		const viaItems = await api.post('/items/webhooks_outgoing', body);
		expect(viaItems.status).toBe(400);
		expect(viaItems.body.errors[0].message).toContain(`${field}:`);
	});

	it('requires name, url, actions and collections, and rejects non-object bodies', async () => {
		const empty = await api.post('/webhooks', {});
		expect(empty.status).toBe(400);
		for (const field of ['name', 'url', 'actions', 'collections']) expect(empty.body.errors[0].message).toContain(`${field}:`);
		expect((await api.post('/webhooks', '"just a string"')).status).toBe(400);
		expect((await api.delete('/webhooks', { not: 'a list' })).status).toBe(400);
	});

	it('is for admins only: other users and the public get 403', async () => {
		const role = await api.post('/roles', { name: `editor ${Date.now()}` });
		const token = `editor-token-${Date.now()}`;
		const user = await api.post('/users', { email: `editor${Date.now()}@example.com`, password: 'editor-password-1', role: role.body.data.id, token });
		expect(user.status).toBe(200);
		const editor = api.withToken(token);
		const anonymous = api.withToken(null);
		const hook = await createWebhook();
		for (const client of [editor, anonymous]) {
			expect((await client.get('/webhooks')).status).toBe(403);
			expect((await client.get(`/webhooks/${hook.id}`)).status).toBe(403);
			expect((await client.post('/webhooks', { name: 'x', url: 'https://example.com', actions: ['create'], collections: [COLLECTION] })).status).toBe(403);
			expect((await client.patch(`/webhooks/${hook.id}`, { name: 'x' })).status).toBe(403);
			expect((await client.delete(`/webhooks/${hook.id}`)).status).toBe(403);
			expect((await client.post(`/webhooks/${hook.id}/rotate-secret`)).status).toBe(403);
			expect((await client.get(`/webhooks/${hook.id}/deliveries`)).status).toBe(403);
			expect((await client.get(`/items/webhooks_outgoing`)).status).toBe(403);
		}
	});
});
