// Several incoming endpoints may store their requests in one collection, the shared inbox
// (`inbound_requests`): each row names its endpoint, a redelivery is caught per endpoint, each
// endpoint's request list and activity show only its own rows, mappings add nullable fields, and
// the collection stays while any endpoint uses it. Against Directus 12's licence, the extension
// then counts at most three collections with two endpoints.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, type TestContext } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { createDelegate, ok, type Delegate } from '../harness/delegate.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const SHARED = 'inbound_requests';
const TAG = `shared${randomBytes(3).toString('hex')}`;
const DELEGATE_TOKEN = randomBytes(24).toString('hex');
const asDelegate = new ApiClient(info.url, DELEGATE_TOKEN);
let delegate: Delegate;

interface Endpoint {
	id: number;
	url: string;
	collection: string;
	secret?: string;
}

async function createEndpoint(name: string, overrides: Record<string, unknown> = {}): Promise<Endpoint> {
	return ok(api.post('/webhooks/endpoints', { name, suffix: `${TAG}/${name}`, collection: SHARED, dedupe_header: 'X-Delivery', ...overrides }));
}

const post = (url: string, body: unknown, delivery?: string) =>
	fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(delivery ? { 'x-delivery': delivery } : {}) } });

async function rowsOf(collection: string): Promise<Record<string, unknown>[]> {
	return ok(api.get(`/items/${collection}?limit=-1&sort=id&fields=*`));
}

/** Collections Directus 12's core licence counts: tables with meta, active, not system (its getActiveCollections rule). */
async function countedCollections(): Promise<string[]> {
	const collections: { collection: string; schema: unknown; meta: { status?: string } | null }[] = await ok(api.get('/collections'));
	return collections
		.filter(({ collection, schema, meta }) => schema !== null && meta !== null && (meta.status ?? 'active') === 'active' && !collection.startsWith('directus_'))
		.map(({ collection }) => collection)
		.sort();
}

async function deleteAllEndpoints(): Promise<void> {
	const ids = ((await api.get('/webhooks/endpoints?fields=id&limit=-1')).body.data ?? []).map((row: { id: number }) => row.id);
	if (ids.length > 0) await api.delete('/webhooks/endpoints?drop_collection=true', ids);
}

beforeAll(async () => {
	await deleteAllEndpoints();
	delegate = await createDelegate(api, TAG, DELEGATE_TOKEN);
	for (const action of ['create', 'read', 'update']) await delegate.grant('webhooks_endpoints', action);
});

afterAll(async () => {
	await deleteAllEndpoints();
	await delegate?.remove();
});

describe('the shared inbox', () => {
	it('stores the requests of two endpoints in one collection, each row naming its endpoint, each list showing its own', async () => {
		const orders = await createEndpoint('orders');
		const refunds = await createEndpoint('refunds');
		expect([orders.collection, refunds.collection]).toEqual([SHARED, SHARED]);
		for (const [endpoint, body] of [[orders, { order: 1 }], [refunds, { refund: 1 }], [orders, { order: 2 }]] as const) {
			expect((await post(endpoint.url, body)).status).toBe(200);
		}
		const rows = await rowsOf(SHARED);
		expect(rows.map((row) => [row.endpoint, row.body])).toEqual([
			[orders.id, { order: 1 }],
			[refunds.id, { refund: 1 }],
			[orders.id, { order: 2 }],
		]);
		const listed = async (endpoint: Endpoint, query = '') => ((await ok(api.get(`/webhooks/endpoints/${endpoint.id}/requests${query}`))) as { body: unknown }[]).map((row) => row.body);
		expect(await listed(orders)).toEqual([{ order: 2 }, { order: 1 }]);
		expect(await listed(refunds)).toEqual([{ refund: 1 }]);
		// A caller's own filter narrows the endpoint's rows; it never widens them to another endpoint's.
		expect(await listed(refunds, `?filter[endpoint][_eq]=${orders.id}`)).toEqual([]);
		expect(await listed(orders, `?filter[_or][0][endpoint][_eq]=${refunds.id}&filter[_or][1][id][_gt]=0`)).toEqual([{ order: 2 }, { order: 1 }]);

		const inbound = async (endpoint: Endpoint) =>
			((await ok(api.get(`/webhooks/stats/activity?endpoint=${endpoint.id}&hours=1`))) as { inbound: number }[]).reduce((sum, bucket) => sum + bucket.inbound, 0);
		expect([await inbound(orders), await inbound(refunds)]).toEqual([2, 1]);
	});

	it('catches a redelivery per endpoint: the same delivery id on two endpoints is stored twice, again on one is a duplicate', async () => {
		const github = await createEndpoint('github');
		const gitlab = await createEndpoint('gitlab');
		const delivery = `evt_${randomBytes(4).toString('hex')}`;
		const first = await post(github.url, { from: 'github' }, delivery);
		const other = await post(gitlab.url, { from: 'gitlab' }, delivery);
		const again = await post(github.url, { from: 'github again' }, delivery);
		expect([first.status, other.status, again.status]).toEqual([200, 200, 200]);
		expect([first.headers.get('x-webhook-duplicate'), other.headers.get('x-webhook-duplicate'), again.headers.get('x-webhook-duplicate')]).toEqual([null, null, 'true']);
		const stored = (await rowsOf(SHARED)).filter((row) => row.delivery_id === delivery);
		expect(stored.map((row) => [row.endpoint, row.body])).toEqual([
			[github.id, { from: 'github' }],
			[gitlab.id, { from: 'gitlab' }],
		]);
	});

	it('replays a stored request that had a delivery id: the copy is a new row without it, and the same delivery again is still a duplicate', async () => {
		const stripe = await createEndpoint('replayed');
		const delivery = `evt_${randomBytes(4).toString('hex')}`;
		expect((await post(stripe.url, { paid: true }, delivery)).status).toBe(200);
		const [original] = (await rowsOf(SHARED)).filter((row) => row.delivery_id === delivery);
		const replay = await api.post(`/webhooks/endpoints/${stripe.id}/requests/${original!.id}/replay`, {});
		expect(replay.status, JSON.stringify(replay.body)).toBe(200);
		expect(replay.body.data).toMatchObject({ endpoint: stripe.id, replay_of: original!.id, delivery_id: null, dedupe_key: null, body: { paid: true } });
		const again = await post(stripe.url, { paid: true }, delivery);
		expect(again.headers.get('x-webhook-duplicate')).toBe('true');
		expect((await rowsOf(SHARED)).filter((row) => row.endpoint === stripe.id)).toHaveLength(2);
	});

	it('adds a mapped field as a nullable field the other endpoints leave empty, and refuses the same name with another type', async () => {
		const shop = await createEndpoint('shop', { field_mappings: [{ path: 'body.total', field: `${TAG}_total`, type: 'integer' }] });
		const blog = await createEndpoint('blog');
		expect((await post(shop.url, { total: 42 })).status).toBe(200);
		expect((await post(blog.url, { total: 7 })).status).toBe(200);
		const rows = (await rowsOf(SHARED)).filter((row) => row.endpoint === shop.id || row.endpoint === blog.id);
		expect(rows.map((row) => [row.endpoint, row[`${TAG}_total`]])).toEqual([
			[shop.id, 42],
			[blog.id, null],
		]);

		// The same field and type from another endpoint: accepted, and filled for its requests.
		const same = await api.patch(`/webhooks/endpoints/${blog.id}`, { field_mappings: [{ path: 'body.total', field: `${TAG}_total`, type: 'integer' }] });
		expect(same.status, JSON.stringify(same.body)).toBe(200);
		// Another type would not fit the column: a 400 naming field_mappings, for a new endpoint and an update alike.
		const clash = [{ path: 'body.total', field: `${TAG}_total`, type: 'string' }];
		for (const response of [
			await api.post('/webhooks/endpoints', { name: 'clash', suffix: `${TAG}/clash`, collection: SHARED, field_mappings: clash }),
			await api.patch(`/webhooks/endpoints/${blog.id}`, { field_mappings: clash }),
		]) {
			expect(response.status, JSON.stringify(response.body)).toBe(400);
			expect(response.body.errors[0].extensions.errors).toContainEqual({ field: 'field_mappings', reason: expect.stringContaining('already a integer field') });
		}
		expect((await api.get(`/webhooks/endpoints?filter[suffix][_eq]=${TAG}/clash`)).body.data).toEqual([]);
	});

	it('every mapping type a shared field was made with is accepted again from another endpoint', async () => {
		const types = ['string', 'text', 'integer', 'bigInteger', 'float', 'boolean', 'json', 'timestamp'];
		const mappings = types.map((type) => ({ path: `body.${type}`, field: `${TAG}_${type.toLowerCase()}`, type }));
		await createEndpoint('typed', { field_mappings: mappings });
		const response = await api.post('/webhooks/endpoints', { name: 'typed again', suffix: `${TAG}/typed-again`, collection: SHARED, field_mappings: mappings });
		expect(response.status, JSON.stringify(response.body)).toBe(200);
	});

	it('stays while one of its endpoints is left, and keeps its rows after the last one goes', async () => {
		const before = (await rowsOf(SHARED)).length;
		const ids = ((await ok(api.get(`/webhooks/endpoints?fields=id&filter[collection][_eq]=${SHARED}&limit=-1`))) as { id: number }[]).map((row) => row.id);
		expect(ids.length).toBeGreaterThan(1);
		// Even asked to drop its collection, an endpoint leaves one that others still use (and their rows).
		expect((await api.delete(`/webhooks/endpoints/${ids[0]}?drop_collection=true`)).status).toBe(204);
		expect((await rowsOf(SHARED)).length).toBe(before);
		expect((await api.delete('/webhooks/endpoints', ids.slice(1))).status).toBe(204);
		expect((await api.get(`/collections/${SHARED}`)).status).toBe(200);
		expect((await rowsOf(SHARED)).length).toBe(before);
		expect((await api.delete(`/collections/${SHARED}`)).status).toBe(204);
	});
});

describe('who may share a collection', () => {
	it('refuses a delegate a collection that already stores other endpoints\' requests, with 400 naming collection; they get their own', async () => {
		const admins = await createEndpoint('admins');
		expect((await post(admins.url, { private: 'for admins' })).status).toBe(200);
		for (const path of ['/webhooks/endpoints', '/items/webhooks_endpoints']) {
			const response = await asDelegate.post(path, { name: 'sneaky', suffix: `${TAG}/sneaky`, collection: SHARED });
			expect(response.status, JSON.stringify(response.body)).toBe(400);
			expect(response.body.errors[0].extensions.errors).toContainEqual({ field: 'collection', reason: expect.stringContaining('only an admin') });
		}
		const own = await asDelegate.post('/webhooks/endpoints', { name: 'own', suffix: `${TAG}/own` });
		expect(own.status, JSON.stringify(own.body)).toBe(200);
		expect(own.body.data.collection).not.toBe(SHARED);
		expect((await api.get(`/webhooks/endpoints?filter[suffix][_eq]=${TAG}/sneaky`)).body.data).toEqual([]);
	});

	it('refuses to share storage made before sharing existed (no per-endpoint redelivery key), naming collection', async () => {
		const older = await ok(api.post('/webhooks/endpoints', { name: 'older', suffix: `${TAG}/older` }));
		// What storage made by an earlier version looks like: no dedupe_key.
		expect((await api.delete(`/fields/${older.collection}/dedupe_key`)).status).toBe(204);
		const response = await api.post('/webhooks/endpoints', { name: 'second', suffix: `${TAG}/second`, collection: older.collection });
		expect(response.status, JSON.stringify(response.body)).toBe(400);
		expect(response.body.errors[0].extensions.errors).toContainEqual({ field: 'collection', reason: expect.stringContaining('made before storage could be shared') });
		// It keeps working for its own endpoint, redeliveries caught by delivery id as before.
		const first = await fetch(older.url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'x-webhook-id': 'evt_old' } });
		expect(first.status).toBe(200);
	});
});

describe('row rules in the shared inbox', () => {
	it("a role whose row rule leaves out an endpoint's requests reads neither them nor its refused calls", async (context: TestContext) => {
		const seen = await createEndpoint('seen');
		const hidden = await createEndpoint('hidden', { auth: 'api_key', auth_config: { header: 'X-Key' } });
		const quiet = await createEndpoint('quiet');
		expect((await post(seen.url, { visible: true })).status).toBe(200);
		expect((await fetch(hidden.url, { method: 'POST', body: '{"private":1}', headers: { 'content-type': 'application/json', 'x-key': hidden.secret! } })).status).toBe(200);
		expect((await fetch(hidden.url, { method: 'POST', body: '{}', headers: { 'x-key': 'wrong' } })).status).toBe(401);
		const rule = await api.post('/permissions', { policy: delegate.policy, collection: SHARED, action: 'read', fields: ['*'], permissions: { endpoint: { _eq: seen.id } } });
		if (rule.status === 403 && rule.body.errors?.[0]?.extensions?.code === 'RESOURCE_RESTRICTED') {
			context.skip('this Directus refuses custom row rules without a licence (403 RESOURCE_RESTRICTED); Directus 11 runs this test');
		}
		expect(rule.status, JSON.stringify(rule.body)).toBe(200);
		try {
			expect(((await ok(asDelegate.get(`/webhooks/endpoints/${seen.id}/requests`))) as { body: unknown }[]).map((row) => row.body)).toEqual([{ visible: true }]);
			expect((await asDelegate.get(`/webhooks/endpoints/${seen.id}/refused`)).status).toBe(200);
			expect(await ok(asDelegate.get(`/webhooks/endpoints/${hidden.id}/requests`))).toEqual([]);
			// Its refused calls show callers' addresses and headers: no more than its stored requests would.
			const refused = await asDelegate.get(`/webhooks/endpoints/${hidden.id}/refused`);
			expect(refused.status, JSON.stringify(refused.body)).toBe(403);
			// Nothing stored yet for this one: the rule shows in the other endpoints' rows it hides.
			expect((await asDelegate.get(`/webhooks/endpoints/${quiet.id}/refused`)).status).toBe(403);
		} finally {
			await api.delete(`/permissions/${rule.body.data.id}`);
		}
		// An admin reads them all.
		expect((await api.get(`/webhooks/endpoints/${hidden.id}/refused`)).status).toBe(200);
	});
});

describe('the licence footprint', () => {
	it('counts at most three collections for the extension with two endpoints sharing the inbox', async () => {
		await deleteAllEndpoints();
		await createEndpoint('first');
		await createEndpoint('second');
		const ours = (await countedCollections()).filter((collection) => collection.startsWith('webhooks') || collection.startsWith('inbound_'));
		expect(ours.length, ours.join(', ')).toBeLessThanOrEqual(3);
		expect(ours).toContain(SHARED);
		// Directus 12 counts the same way at /license (there is none on Directus 11).
		const licence = await api.get('/license');
		if (licence.status === 200) expect(licence.body.data.usage.collections).toBe((await countedCollections()).length);
	});
});
