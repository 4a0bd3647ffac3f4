// Quotas a delegate (a role with full rights on the extension's collections, not an admin) cannot
// exhaust: webhooks and endpoints per user on every write path, no storage collection left behind
// by endpoints that never stored a request (the licence's collection budget is the admin's too),
// and no storage collection grown past the mapped-field cap by a sequence of updates.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
const TAG = `quota_${randomBytes(3).toString('hex')}`;
const admin = new ApiClient(info.url, info.token);
const delegateToken = randomBytes(24).toString('hex');
const delegate = new ApiClient(info.url, delegateToken);
// The defaults (WEBHOOKS_MAX_PER_USER, WEBHOOKS_MAX_ENDPOINTS_PER_USER); the cap of mapped fields.
const MAX_WEBHOOKS = 25;
const MAX_ENDPOINTS = 5;
const MAX_MAPPED = 50;
let role: string;
let policy: string;
let user: string;

/** A webhook the delegate may create: update events of users, a field every app user reads. */
const hook = (index: number | string) => ({
	name: `${TAG} ${index}`,
	url: 'http://127.0.0.1:9/quota',
	status: 'inactive',
	actions: ['update'],
	collections: ['directus_users'],
	fields: ['first_name'],
});
const endpoint = (name: string, extra: Record<string, unknown> = {}) => ({ name: `${TAG} ${name}`, suffix: `${TAG}/${name}`, ...extra });
const mappings = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => ({ path: `body.${prefix}${index}`, field: `${prefix}${index}`, type: 'string' }));

async function collectionNames(): Promise<string[]> {
	const response = await admin.get('/collections');
	expect(response.status).toBe(200);
	return response.body.data.map((row: { collection: string }) => row.collection).sort();
}

beforeAll(async () => {
	const created = await admin.post('/policies', { name: `${TAG} webhook managers`, app_access: true, admin_access: false });
	expect(created.status, JSON.stringify(created.body)).toBe(200);
	policy = created.body.data.id;
	for (const collection of ['webhooks_outgoing', 'webhooks_endpoints']) {
		for (const action of ['create', 'read', 'update', 'delete']) {
			const permission = await admin.post('/permissions', { policy, collection, action, fields: ['*'], permissions: {} });
			expect(permission.status, JSON.stringify(permission.body)).toBe(200);
		}
	}
	role = (await admin.post('/roles', { name: `${TAG} delegate` })).body.data.id;
	expect((await admin.post('/access', { role, policy })).status).toBe(200);
	const made = await admin.post('/users', { email: `${TAG}@example.com`, password: randomBytes(12).toString('hex'), role, token: delegateToken });
	expect(made.status, JSON.stringify(made.body)).toBe(200);
	user = made.body.data.id;
});

afterAll(async () => {
	const hooks = await admin.get(`/webhooks?filter[name][_starts_with]=${TAG}&fields=id&limit=-1`);
	const hookIds = (hooks.body.data ?? []).map((row: { id: number }) => row.id);
	if (hookIds.length > 0) await admin.delete('/webhooks', hookIds);
	const endpoints = await admin.get(`/webhooks/endpoints?filter[name][_starts_with]=${TAG}&fields=id&limit=-1`);
	const endpointIds = (endpoints.body.data ?? []).map((row: { id: number }) => row.id);
	if (endpointIds.length > 0) await admin.delete('/webhooks/endpoints?drop_collection=true', endpointIds);
	// Storage the old code kept after deletes.
	for (const collection of (await collectionNames()).filter((name) => name.includes(TAG))) await admin.delete(`/collections/${collection}`);
	if (user) await admin.delete(`/users/${user}`);
	if (role) await admin.delete(`/roles/${role}`);
	if (policy) await admin.delete(`/policies/${policy}`);
});

describe('quotas a delegate cannot exhaust', () => {
	it('creating and deleting endpoints in a loop leaves no storage collection behind; storage with requests is kept', async () => {
		const before = await collectionNames();
		for (let round = 0; round < 8; round += 1) {
			const created = await delegate.post('/webhooks/endpoints', endpoint(`loop${round}`));
			expect(created.status, JSON.stringify(created.body)).toBe(200);
			const path = round % 2 === 0 ? `/webhooks/endpoints/${created.body.data.id}` : `/items/webhooks_endpoints/${created.body.data.id}`;
			expect((await delegate.delete(path)).status, path).toBe(204);
			// Through the extension's API the empty storage is gone with the answer; through /items
			// it goes just after.
			if (round % 2 === 0) expect(await collectionNames(), path).not.toContain(created.body.data.collection);
		}
		await until(collectionNames, (names) => names.length === before.length, 10_000).catch(() => undefined);
		expect(await collectionNames()).toEqual(before);

		// The README's promise stands: a collection that stored a request outlives its endpoint.
		const used = await delegate.post('/webhooks/endpoints', endpoint('used'));
		expect(used.status, JSON.stringify(used.body)).toBe(200);
		expect((await fetch(used.body.data.url, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })).status).toBe(200);
		expect((await delegate.delete(`/webhooks/endpoints/${used.body.data.id}`)).status).toBe(204);
		expect(await collectionNames()).toContain(used.body.data.collection);
		expect((await admin.get(`/items/${used.body.data.collection}`)).body.data).toHaveLength(1);
	});

	it(`the delegate's webhook ${MAX_WEBHOOKS + 1} is refused 403 LIMIT_EXCEEDED naming WEBHOOKS_MAX_PER_USER on every path; an admin is not limited`, async () => {
		const batch = await delegate.post('/webhooks', Array.from({ length: MAX_WEBHOOKS - 1 }, (_, index) => hook(index)));
		expect(batch.status, JSON.stringify(batch.body)).toBe(200);
		const last = await delegate.post('/items/webhooks_outgoing', hook('last'));
		expect(last.status, JSON.stringify(last.body)).toBe(200);
		for (const path of ['/webhooks', '/items/webhooks_outgoing']) {
			const over = await delegate.post(path, hook('over'));
			expect(over.status, `${path}: ${JSON.stringify(over.body)}`).toBe(403);
			expect(over.body.errors[0].extensions.code).toBe('LIMIT_EXCEEDED');
			expect(over.body.errors[0].message).toContain('WEBHOOKS_MAX_PER_USER');
		}
		const owned = await admin.get(`/webhooks?filter[name][_starts_with]=${TAG}&limit=-1&fields=id`);
		expect(owned.body.data).toHaveLength(MAX_WEBHOOKS);

		const adminBatch = await admin.post('/webhooks', Array.from({ length: MAX_WEBHOOKS + 1 }, (_, index) => hook(`admin ${index}`)));
		expect(adminBatch.status, JSON.stringify(adminBatch.body)).toBe(200);
		// Deleting one frees a place.
		expect((await delegate.delete(`/webhooks/${last.body.data.id}`)).status).toBe(204);
		expect((await delegate.post('/webhooks', hook('again'))).status).toBe(200);
	});

	it(`a batch that would pass the quota is refused whole, and endpoint ${MAX_ENDPOINTS + 1} is refused on /webhooks/endpoints, /items and GraphQL`, async () => {
		const tooMany = await delegate.post('/webhooks/endpoints', Array.from({ length: MAX_ENDPOINTS + 1 }, (_, index) => endpoint(`batch${index}`)));
		expect(tooMany.status, JSON.stringify(tooMany.body)).toBe(403);
		expect(tooMany.body.errors[0].message).toContain('WEBHOOKS_MAX_ENDPOINTS_PER_USER');
		expect((await admin.get(`/webhooks/endpoints?filter[name][_starts_with]=${TAG} batch`)).body.data).toEqual([]);

		for (let index = 0; index < MAX_ENDPOINTS; index += 1) {
			const created = await delegate.post(index % 2 === 0 ? '/webhooks/endpoints' : '/items/webhooks_endpoints', endpoint(`own${index}`));
			expect(created.status, JSON.stringify(created.body)).toBe(200);
		}
		const before = await collectionNames();
		for (const path of ['/webhooks/endpoints', '/items/webhooks_endpoints']) {
			const over = await delegate.post(path, endpoint('over'));
			expect(over.status, `${path}: ${JSON.stringify(over.body)}`).toBe(403);
			expect(over.body.errors[0].extensions.code).toBe('LIMIT_EXCEEDED');
			expect(over.body.errors[0].message).toContain('WEBHOOKS_MAX_ENDPOINTS_PER_USER');
		}
		const graphql = await delegate.post('/graphql', {
			query: `mutation { create_webhooks_endpoints_item(data: { name: "${TAG} graphql", suffix: "${TAG}/graphql", strict: false, methods: ["POST"] }) { id } }`,
		});
		expect(JSON.stringify(graphql.body)).toContain('LIMIT_EXCEEDED');
		// Sending another user's id as the owner does not help.
		const spoofed = await delegate.post('/items/webhooks_endpoints', endpoint('spoofed', { user_created: (await admin.get('/users/me')).body.data.id }));
		expect(spoofed.status, JSON.stringify(spoofed.body)).toBe(403);
		expect(await collectionNames()).toEqual(before);

		const adminMade = await admin.post('/webhooks/endpoints', endpoint('admin'));
		expect(adminMade.status, JSON.stringify(adminMade.body)).toBe(200);
	});

	it(`mapped fields stay at most ${MAX_MAPPED} per storage collection across updates and renames`, async () => {
		const admins = await admin.get(`/webhooks/endpoints?filter[name][_starts_with]=${TAG}&fields=id&limit=-1`);
		await admin.delete('/webhooks/endpoints?drop_collection=true', admins.body.data.map((row: { id: number }) => row.id));

		const over = await delegate.post('/webhooks/endpoints', endpoint('wide', { field_mappings: mappings('f', MAX_MAPPED + 1) }));
		expect(over.status).toBe(400);
		expect(over.body.errors[0].message).toContain('field_mappings');

		const created = await delegate.post('/webhooks/endpoints', endpoint('mapped', { field_mappings: mappings('f', MAX_MAPPED - 5) }));
		expect(created.status, JSON.stringify(created.body)).toBe(200);
		const { id, collection } = created.body.data;
		// Renaming every mapping would leave the old fields and add as many new ones.
		for (const [path, body] of [
			[`/webhooks/endpoints/${id}`, { field_mappings: mappings('g', MAX_MAPPED - 5) }],
			[`/items/webhooks_endpoints/${id}`, { field_mappings: mappings('h', 10) }],
		] as const) {
			const renamed = await delegate.patch(path, body);
			expect(renamed.status, `${path}: ${JSON.stringify(renamed.body)}`).toBe(400);
			expect(renamed.body.errors[0].message).toContain('field_mappings');
		}
		// Up to the cap is fine, counting the fields already there.
		const toCap = await delegate.patch(`/webhooks/endpoints/${id}`, { field_mappings: [...mappings('f', MAX_MAPPED - 5), ...mappings('k', 5)] });
		expect(toCap.status, JSON.stringify(toCap.body)).toBe(200);
		const oneMore = await delegate.patch(`/webhooks/endpoints/${id}`, { field_mappings: mappings('m', 1) });
		expect(oneMore.status, JSON.stringify(oneMore.body)).toBe(400);
		// The cap is answered together with the other bad fields, not after they are fixed.
		const withOthers = await delegate.patch(`/webhooks/endpoints/${id}`, { field_mappings: mappings('m', 1), strict: 'yes' });
		expect(withOthers.status, JSON.stringify(withOthers.body)).toBe(400);
		expect((withOthers.body.errors[0].extensions.errors as { field: string }[]).map((error) => error.field).sort()).toEqual(['field_mappings', 'strict']);

		const fields = await admin.get(`/fields/${collection}`);
		const mapped = fields.body.data.filter((row: { field: string }) => /^[fghkm]\d+$/.test(row.field));
		expect(mapped).toHaveLength(MAX_MAPPED);
	});
});
