// Access: a signed-in user without admin rights and the public cannot read or change webhooks,
// deliveries, endpoints, stored requests or secrets through /webhooks, /items or GraphQL unless a
// policy grants it, and then still never see a secret. No secret ever shows up after creation, in
// any response of this file or in the Directus log.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, type ApiResponse } from '../harness/client.ts';
import { Receiver } from '../harness/receiver.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
/** Names of everything this file creates start with it, so cleanup finds them all. */
const TAG = `access_${randomBytes(3).toString('hex')}`;
const MASK = '**********';

/** Every secret this file created: none may appear in a later response or in the log. */
const secrets: string[] = [];
/** Responses seen by the recording clients since the last check (see afterEach). */
let seen: { request: string; body: string }[] = [];

/** Records every response, so each test can check that none of them carried a secret. */
class RecordingClient extends ApiClient {
	override async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
		const response = await super.request<T>(method, path, body, headers);
		seen.push({ request: `${method} ${path}`, body: typeof response.body === 'string' ? response.body : JSON.stringify(response.body) });
		return response;
	}
}

// Creating and rotating answer with the new secret, once: that is the only place it may appear,
// so those calls, and only those, go through `once`, which records nothing.
const once = new ApiClient(info.url, info.token);
/** The admin setting things up and checking state. */
const setup = new RecordingClient(info.url, info.token);
/** The admin under test. */
const admin = new RecordingClient(info.url, info.token);
const editorToken = randomBytes(24).toString('hex');
const editor = new RecordingClient(info.url, editorToken);
const anonymous = new RecordingClient(info.url, null);
const bogus = new RecordingClient(info.url, randomBytes(24).toString('hex'));

let receiver: Receiver;
let editorRole: string;
let fixture: Fixture;

function remember(secret: unknown): void {
	if (typeof secret !== 'string' || secret.length === 0) throw new Error(`expected a secret, got ${JSON.stringify(secret)}`);
	secrets.push(secret);
	// A whsec_ secret is base64 key material after the prefix: that must not leak either.
	if (secret.startsWith('whsec_')) secrets.push(secret.slice('whsec_'.length));
}

const hex = () => randomBytes(3).toString('hex');

interface Fixture {
	/** A webhook with a secret header, a rotated signing secret and one delivered test event. */
	webhook: number;
	/** A second webhook, for the delete-many route. */
	spare: number;
	delivery: number;
	attempt: number;
	/** An api_key endpoint (rotated once) with one stored request. */
	endpoint: number;
	/** A second endpoint (basic auth), for the delete-many route. */
	spareEndpoint: number;
	/** The endpoint's storage collection and its stored row. */
	collection: string;
	row: number;
}

/** Everything the access matrix needs, created by the admin; every secret involved is remembered. */
async function createFixture(): Promise<Fixture> {
	const headerSecret = `header-secret-${randomBytes(12).toString('hex')}`;
	remember(headerSecret);
	const hook = (name: string) => ({
		name: `${TAG} ${name}`,
		url: receiver.url(`/${TAG}`),
		actions: ['delete'],
		collections: ['directus_users'],
		headers: [{ header: 'X-Api-Key', value: headerSecret, secret: true }],
	});
	const created = await once.post('/webhooks', [hook('webhook'), hook('spare')]);
	expect(created.status, JSON.stringify(created.body)).toBe(200);
	for (const { secret } of created.body.data) remember(secret);
	const [webhook, spare] = created.body.data.map((row: { id: number }) => row.id);
	// Rotated once, so secret_previous holds a sealed secret too.
	const rotated = await once.post(`/webhooks/${webhook}/rotate-secret`);
	remember(rotated.body.data.secret);

	const test = await setup.post(`/webhooks/${webhook}/test`);
	const delivered = await until(async () => (await setup.get(`/webhooks/${webhook}/deliveries/${test.body.data.id}`)).body.data, (data: any) => data?.status === 'succeeded');

	const endpoint = await once.post('/webhooks/endpoints', { name: `${TAG} endpoint`, suffix: `${TAG}/${hex()}`, auth: 'api_key', auth_config: { header: 'X-Key' } });
	expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(200);
	remember(endpoint.body.data.secret);
	const basicPassword = `basic-secret-${randomBytes(12).toString('hex')}`;
	remember(basicPassword);
	// Secrets given on creation are not echoed: this response is checked like any other.
	const spareEndpoint = await setup.post('/webhooks/endpoints', { name: `${TAG} spare`, suffix: `${TAG}/${hex()}`, auth: 'basic', secrets: [`hook:${basicPassword}`] });
	expect(spareEndpoint.status, JSON.stringify(spareEndpoint.body)).toBe(200);
	const endpointRotated = await once.post(`/webhooks/endpoints/${endpoint.body.data.id}/rotate-secret`);
	remember(endpointRotated.body.data.secret);

	const call = await fetch(endpoint.body.data.url, { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json', 'x-key': endpointRotated.body.data.secret } });
	expect(call.status).toBe(200);
	const stored = await setup.get(`/items/${endpoint.body.data.collection}`);
	return {
		webhook,
		spare,
		delivery: delivered.id,
		attempt: delivered.attempts[0].id,
		endpoint: endpoint.body.data.id,
		spareEndpoint: spareEndpoint.body.data.id,
		collection: endpoint.body.data.collection,
		row: stored.body.data[0].id,
	};
}

interface Route {
	name: string;
	method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
	path: string;
	body?: unknown;
	/** Answers with a new secret when allowed (create, rotate). */
	givesSecret?: boolean;
}

/** Every route of the extension's API, reads first and deletes last so an admin can run them in order. */
function apiRoutes(f: Fixture): Route[] {
	const hook = `/webhooks/${f.webhook}`;
	const endpoint = `/webhooks/endpoints/${f.endpoint}`;
	return [
		{ name: 'list webhooks', method: 'GET', path: '/webhooks' },
		{ name: 'read a webhook', method: 'GET', path: hook },
		{ name: 'list its deliveries', method: 'GET', path: `${hook}/deliveries` },
		{ name: 'read a delivery with its attempts', method: 'GET', path: `${hook}/deliveries/${f.delivery}` },
		{ name: 'read the webhook summaries', method: 'GET', path: '/webhooks/stats/summary' },
		{ name: 'read the activity timeline', method: 'GET', path: '/webhooks/stats/activity?hours=1' },
		{ name: 'list endpoints', method: 'GET', path: '/webhooks/endpoints' },
		{ name: 'read an endpoint', method: 'GET', path: endpoint },
		{ name: 'list stored requests', method: 'GET', path: `${endpoint}/requests` },
		{ name: 'create a webhook', method: 'POST', path: '/webhooks', body: { name: `${TAG} created`, url: receiver.url(`/${TAG}`), actions: ['delete'], collections: ['directus_users'] }, givesSecret: true },
		{ name: 'update a webhook', method: 'PATCH', path: hook, body: { description: 'changed' } },
		{ name: "rotate a webhook's secret", method: 'POST', path: `${hook}/rotate-secret`, givesSecret: true },
		{ name: 'send a test event', method: 'POST', path: `${hook}/test` },
		{ name: 'resend a delivery', method: 'POST', path: `${hook}/deliveries/${f.delivery}/resend` },
		{ name: 'create an endpoint', method: 'POST', path: '/webhooks/endpoints', body: { name: `${TAG} created`, suffix: `${TAG}/${hex()}`, auth: 'api_key', auth_config: { header: 'X-Key' } }, givesSecret: true },
		{ name: 'update an endpoint', method: 'PATCH', path: endpoint, body: { response_status: 202 } },
		{ name: "rotate an endpoint's secret", method: 'POST', path: `${endpoint}/rotate-secret`, givesSecret: true },
		{ name: 'store a test request', method: 'POST', path: `${endpoint}/test` },
		{ name: 'delete a webhook', method: 'DELETE', path: hook },
		{ name: 'delete webhooks', method: 'DELETE', path: '/webhooks', body: [f.spare] },
		{ name: 'delete an endpoint', method: 'DELETE', path: `${endpoint}?drop_collection=true` },
		{ name: 'delete endpoints', method: 'DELETE', path: '/webhooks/endpoints?drop_collection=true', body: [f.spareEndpoint] },
	];
}

/** Reads and writes of every collection involved through Directus's own /items. */
function itemRoutes(f: Fixture): Route[] {
	const rows: [string, number, Record<string, unknown>][] = [
		['webhooks_outgoing', f.webhook, { name: `${TAG} via items`, url: 'https://example.com/', actions: ['create'], collections: ['directus_users'] }],
		['webhooks_deliveries', f.delivery, { webhook: f.webhook, message_id: `msg_${hex()}`, event: 'x', status: 'pending' }],
		['webhooks_attempts', f.attempt, { delivery: f.delivery, webhook: f.webhook, attempt: 9, error: 'x' }],
		['webhooks_endpoints', f.endpoint, { name: `${TAG} via items`, suffix: `${TAG}/${hex()}` }],
		[f.collection, f.row, { method: 'POST', status: 'received' }],
	];
	return rows.flatMap(([collection, id, body]): Route[] => [
		{ name: `list ${collection}`, method: 'GET', path: `/items/${collection}` },
		{ name: `read one ${collection}`, method: 'GET', path: `/items/${collection}/${id}` },
		{ name: `count ${collection}`, method: 'GET', path: `/items/${collection}?aggregate[count]=*` },
		{ name: `create ${collection}`, method: 'POST', path: `/items/${collection}`, body },
		{ name: `update one ${collection}`, method: 'PATCH', path: `/items/${collection}/${id}`, body },
		{ name: `update many ${collection}`, method: 'PATCH', path: `/items/${collection}`, body: { keys: [id], data: body } },
		{ name: `delete one ${collection}`, method: 'DELETE', path: `/items/${collection}/${id}` },
		{ name: `delete many ${collection}`, method: 'DELETE', path: `/items/${collection}`, body: [id] },
	]);
}

/** GraphQL queries and mutations on the same collections. */
function graphqlOperations(f: Fixture): { name: string; query: string; mutation?: boolean }[] {
	return [
		{ name: 'webhooks', query: `{ webhooks_outgoing { id name url secret secret_previous headers } }` },
		{ name: 'one webhook', query: `{ webhooks_outgoing_by_id(id: ${f.webhook}) { id secret headers } }` },
		{ name: 'deliveries', query: `{ webhooks_deliveries { id status last_error event_data } }` },
		{ name: 'delivery count', query: `{ webhooks_deliveries_aggregated { count { id } } }` },
		{ name: 'attempts', query: `{ webhooks_attempts { id request_headers request_body } }` },
		{ name: 'endpoints', query: `{ webhooks_endpoints { id name secrets auth_config } }` },
		{ name: 'stored requests', query: `{ ${f.collection} { id headers body } }` },
		{ name: 'update a webhook', query: `mutation { update_webhooks_outgoing_item(id: ${f.webhook}, data: { name: "${TAG} via graphql" }) { id } }`, mutation: true },
		{ name: 'delete a webhook', query: `mutation { delete_webhooks_outgoing_item(id: ${f.spare}) { id } }`, mutation: true },
		// Directus's GraphQL requires every non-null field without a truthy default: `strict` defaults
		// to false, and on MariaDB the TEXT column `methods` reports no default.
		{ name: 'create an endpoint', query: `mutation { create_webhooks_endpoints_item(data: { name: "${TAG} via graphql", suffix: "${TAG}-graphql", strict: false, methods: ["POST"] }) { id } }`, mutation: true },
		{ name: 'update a delivery', query: `mutation { update_webhooks_deliveries_item(id: ${f.delivery}, data: { status: "pending" }) { id } }`, mutation: true },
		{ name: 'delete a stored request', query: `mutation { delete_${f.collection}_item(id: ${f.row}) { id } }`, mutation: true },
	];
}

const send = (client: ApiClient, route: Route) => client.request(route.method, route.path, route.body);

/** The non-null values GraphQL answered with: what a caller actually got. */
function graphqlValues(body: any): unknown[] {
	return Object.values((body?.data as Record<string, unknown> | null | undefined) ?? {}).filter((value) => value !== null);
}

/** The admin's view of everything the fixture holds, to prove refused writes changed nothing. */
async function state(f: Fixture) {
	const read = async (path: string) => {
		const response = await setup.get(path);
		expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(200);
		return response.body.data;
	};
	return {
		webhooks: await read(`/items/webhooks_outgoing?filter[name][_starts_with]=${TAG}&sort=id&limit=-1`),
		deliveries: await read(`/items/webhooks_deliveries?filter[webhook][_in]=${f.webhook},${f.spare}&sort=id&limit=-1`),
		attempts: await read(`/items/webhooks_attempts?filter[webhook][_in]=${f.webhook},${f.spare}&sort=id&limit=-1`),
		endpoints: await read(`/items/webhooks_endpoints?filter[name][_starts_with]=${TAG}&sort=id&limit=-1`),
		stored: await read(`/items/${f.collection}?sort=id&limit=-1`),
	};
}

beforeAll(async () => {
	receiver = await Receiver.start();
	// A role as an editor would have it: app access through a policy, nothing on our collections.
	const policy = await setup.post('/policies', { name: `${TAG} app access`, app_access: true, admin_access: false });
	expect(policy.status, JSON.stringify(policy.body)).toBe(200);
	const role = await setup.post('/roles', { name: `${TAG} editor` });
	expect(role.status, JSON.stringify(role.body)).toBe(200);
	editorRole = role.body.data.id;
	const access = await setup.post('/access', { role: editorRole, policy: policy.body.data.id });
	expect(access.status, JSON.stringify(access.body)).toBe(200);
	const user = await setup.post('/users', { email: `${TAG}@example.com`, password: randomBytes(12).toString('hex'), role: editorRole, token: editorToken });
	expect(user.status, JSON.stringify(user.body)).toBe(200);
	fixture = await createFixture();
});

// Whatever a test did, no response it got may carry a secret, in clear or sealed ("wh1:…").
afterEach(() => {
	const responses = seen;
	seen = [];
	for (const { request, body } of responses) {
		for (const secret of secrets) expect(body.includes(secret), `${request} answered with a secret`).toBe(false);
		expect(body, request).not.toMatch(/wh1:[A-Za-z0-9_-]{16}:/);
	}
});

afterAll(async () => {
	// Webhooks first: deleting the editor user would fire their delete events.
	const hooks = await setup.get(`/webhooks?filter[name][_starts_with]=${TAG}&fields=id&limit=-1`);
	const hookIds = (hooks.body.data ?? []).map((row: { id: number }) => row.id);
	if (hookIds.length > 0) await setup.delete('/webhooks', hookIds);
	const endpoints = await setup.get(`/webhooks/endpoints?filter[name][_starts_with]=${TAG}&fields=id&limit=-1`);
	const endpointIds = (endpoints.body.data ?? []).map((row: { id: number }) => row.id);
	if (endpointIds.length > 0) await setup.delete('/webhooks/endpoints?drop_collection=true', endpointIds);
	const users = await setup.get(`/users?filter[email][_eq]=${TAG}@example.com&fields=id`);
	for (const { id } of users.body.data ?? []) await setup.delete(`/users/${id}`);
	if (editorRole) await setup.delete(`/roles/${editorRole}`);
	const policies = await setup.get(`/policies?filter[name][_starts_with]=${TAG}&fields=id`);
	for (const { id } of policies.body.data ?? []) await setup.delete(`/policies/${id}`);
	await receiver?.close();
});

describe.each([
	['a signed-in user without admin rights', () => editor, 403],
	['the public (no token)', () => anonymous, 403],
	['a caller with an invalid token', () => bogus, 401],
])('access: %s', (_who, client, refusal) => {
	it('gets no /webhooks or /webhooks/endpoints route, and changes nothing', async () => {
		const before = await state(fixture);
		for (const route of apiRoutes(fixture)) {
			const response = await send(client(), route);
			expect(response.status, `${route.name}: ${JSON.stringify(response.body)}`).toBe(refusal);
			expect(response.body?.data, route.name).toBeUndefined();
		}
		expect(await state(fixture)).toEqual(before);
	});

	it('reads and writes nothing through /items', async () => {
		const before = await state(fixture);
		for (const route of itemRoutes(fixture)) {
			const response = await send(client(), route);
			expect(response.status, `${route.name}: ${JSON.stringify(response.body)}`).toBe(refusal);
			expect(response.body?.data, route.name).toBeUndefined();
		}
		expect(await state(fixture)).toEqual(before);
	});

	it('is refused a malformed webhook the same way, learning nothing of its fields', async () => {
		const malformed = { name: '', url: 'ftp://example.com', actions: ['brew'], collections: [`${TAG}_nope`] };
		for (const [method, path] of [['POST', '/items/webhooks_outgoing'], ['PATCH', `/items/webhooks_outgoing/${fixture.webhook}`]] as const) {
			const response = await client().request(method, path, malformed);
			expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBe(refusal);
			expect(JSON.stringify(response.body), path).not.toContain('collections');
		}
	});

	it('reads and writes nothing through GraphQL', async () => {
		const before = await state(fixture);
		for (const operation of graphqlOperations(fixture)) {
			const response = await client().post('/graphql', { query: operation.query });
			expect(response.body?.errors?.length ?? 0, `${operation.name}: ${JSON.stringify(response.body)}`).toBeGreaterThan(0);
			expect(graphqlValues(response.body), operation.name).toEqual([]);
		}
		expect(await state(fixture)).toEqual(before);
	});
});

describe('access: an admin', () => {
	// Without this the refusals above could come from wrong paths or bad bodies.
	it('gets data from every read above', async () => {
		for (const route of [...apiRoutes(fixture), ...itemRoutes(fixture)].filter((candidate) => candidate.method === 'GET')) {
			const response = await send(admin, route);
			expect(response.status, `${route.name}: ${JSON.stringify(response.body)}`).toBe(200);
			expect(response.body.data, route.name).toBeTruthy();
			if (Array.isArray(response.body.data)) expect(response.body.data.length, route.name).toBeGreaterThan(0);
		}
		for (const operation of graphqlOperations(fixture).filter((candidate) => !candidate.mutation)) {
			const response = await admin.post('/graphql', { query: operation.query });
			expect(response.body.errors, `${operation.name}: ${JSON.stringify(response.body.errors)}`).toBeUndefined();
			const [value] = graphqlValues(response.body);
			expect(Array.isArray(value) ? value.length : value ? 1 : 0, operation.name).toBeGreaterThan(0);
		}
	});

	it('can use every /webhooks route, writes and deletes included', async () => {
		const own = await createFixture();
		for (const route of apiRoutes(own)) {
			const response = await send(route.givesSecret ? once : admin, route);
			expect(response.status, `${route.name}: ${JSON.stringify(response.body)}`).toBe(route.method === 'DELETE' ? 204 : 200);
			if (route.givesSecret) remember(response.body.data.secret);
		}
		const left = await setup.get(`/webhooks?filter[id][_in]=${own.webhook},${own.spare}`);
		expect(left.body.data).toEqual([]);
		expect((await setup.get(`/collections/${own.collection}`)).status).toBe(403);
	});

	it('can run every GraphQL mutation above', async () => {
		const own = await createFixture();
		for (const operation of graphqlOperations(own).filter((candidate) => candidate.mutation)) {
			const response = await admin.post('/graphql', { query: operation.query });
			expect(response.body.errors, `${operation.name}: ${JSON.stringify(response.body.errors)}`).toBeUndefined();
			expect(graphqlValues(response.body), operation.name).toHaveLength(1);
		}
	});
});

/** Grants the editor role a policy with read on these collections for the length of `run`. */
async function withReadPolicy(name: string, collections: string[], run: () => Promise<void>): Promise<void> {
	const policy = await setup.post('/policies', { name: `${TAG} ${name}`, app_access: false, admin_access: false });
	expect(policy.status, JSON.stringify(policy.body)).toBe(200);
	for (const collection of collections) {
		const permission = await setup.post('/permissions', { policy: policy.body.data.id, collection, action: 'read', fields: ['*'], permissions: {} });
		expect(permission.status, JSON.stringify(permission.body)).toBe(200);
	}
	const access = await setup.post('/access', { role: editorRole, policy: policy.body.data.id });
	expect(access.status, JSON.stringify(access.body)).toBe(200);
	try {
		await run();
	} finally {
		await setup.delete(`/access/${access.body.data.id}`);
		await setup.delete(`/policies/${policy.body.data.id}`);
	}
}

describe('access: granted by a policy', () => {
	it('read permissions let a role read config and, through /webhooks, deliveries and attempts, with every secret masked', async () => {
		// Read on the log collections too: even granted, they stay closed through /items and GraphQL.
		await withReadPolicy('readers', ['webhooks_outgoing', 'webhooks_deliveries', 'webhooks_attempts', 'webhooks_endpoints'], async () => {
			const f = fixture;
			const viaItems = await editor.get(`/items/webhooks_outgoing/${f.webhook}`);
			expect(viaItems.status, JSON.stringify(viaItems.body)).toBe(200);
			expect(viaItems.body.data).toMatchObject({ id: f.webhook, secret: MASK, secret_previous: MASK, headers: [{ header: 'X-Api-Key', value: MASK, secret: true }] });
			const viaApi = await editor.get(`/webhooks/${f.webhook}`);
			expect(viaApi.status).toBe(200);
			expect(viaApi.body.data).toMatchObject({ secret: MASK, secret_previous: MASK, headers: [{ value: MASK }] });
			const endpoint = await editor.get(`/webhooks/endpoints/${f.endpoint}`);
			expect(endpoint.status).toBe(200);
			expect(endpoint.body.data.secrets).toBe(MASK);

			const deliveries = await editor.get(`/webhooks/${f.webhook}/deliveries`);
			expect(deliveries.status, JSON.stringify(deliveries.body)).toBe(200);
			expect(deliveries.body.data.map((row: { id: number }) => row.id)).toContain(f.delivery);
			const detail = await editor.get(`/webhooks/${f.webhook}/deliveries/${f.delivery}`);
			expect(detail.status).toBe(200);
			// Attempts log the request headers, with secret ones masked.
			expect(detail.body.data.attempts[0].request_headers['x-api-key']).toBe(MASK);
			expect(detail.body.data.attempts[0].request_headers['webhook-signature']).toMatch(/^v1,/);

			// The log's bodies carry other collections' data: /items and GraphQL refuse non-admins.
			for (const path of [
				`/items/webhooks_deliveries?filter[webhook][_eq]=${f.webhook}`,
				`/items/webhooks_deliveries/${f.delivery}`,
				`/items/webhooks_deliveries?aggregate[count]=*`,
				`/items/webhooks_attempts?filter[delivery][_eq]=${f.delivery}`,
				`/items/webhooks_attempts/${f.attempt}`,
			]) {
				const response = await editor.get(path);
				expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(403);
				expect(response.body.data, path).toBeUndefined();
			}
			const logViaGraphql = await editor.post('/graphql', { query: `{ webhooks_deliveries(filter: { webhook: { _eq: ${f.webhook} } }) { id event_data } webhooks_attempts { id request_body } }` });
			expect(logViaGraphql.body.errors?.length ?? 0, JSON.stringify(logViaGraphql.body)).toBeGreaterThan(0);
			expect(graphqlValues(logViaGraphql.body)).toEqual([]);

			const graphql = await editor.post('/graphql', {
				query: `{ webhooks_outgoing_by_id(id: ${f.webhook}) { id secret secret_previous headers } webhooks_endpoints_by_id(id: ${f.endpoint}) { id secrets } }`,
			});
			expect(graphql.body.errors, JSON.stringify(graphql.body.errors)).toBeUndefined();
			expect(graphql.body.data.webhooks_outgoing_by_id).toMatchObject({ secret: MASK, secret_previous: MASK, headers: [{ value: MASK }] });
			expect(graphql.body.data.webhooks_endpoints_by_id.secrets).toBe(MASK);

			// Read is all it grants: no writes, no secrets, and not the stored requests.
			for (const route of apiRoutes(f).filter((candidate) => candidate.method !== 'GET')) {
				expect((await send(editor, route)).status, route.name).toBe(403);
			}
			expect((await editor.get(`/webhooks/endpoints/${f.endpoint}/requests`)).status).toBe(403);
			expect((await editor.get(`/items/${f.collection}`)).status).toBe(403);
		});
		// Taking the policy away closes access again.
		expect((await editor.get(`/items/webhooks_outgoing/${fixture.webhook}`)).status).toBe(403);
		expect((await editor.get(`/webhooks/${fixture.webhook}/deliveries`)).status).toBe(403);
	});

	it('read on the webhook alone is enough for its delivery log through /webhooks', async () => {
		await withReadPolicy('webhook readers', ['webhooks_outgoing'], async () => {
			const list = await editor.get(`/webhooks/${fixture.webhook}/deliveries`);
			expect(list.status, JSON.stringify(list.body)).toBe(200);
			expect(list.body.data.map((row: { id: number }) => row.id)).toContain(fixture.delivery);
			const detail = await editor.get(`/webhooks/${fixture.webhook}/deliveries/${fixture.delivery}`);
			expect(detail.status, JSON.stringify(detail.body)).toBe(200);
			expect(detail.body.data.attempts.length).toBeGreaterThan(0);
		});
	});

	it("read on the log collections without read on the webhook gives none of that webhook's deliveries", async () => {
		await withReadPolicy('log readers', ['webhooks_deliveries', 'webhooks_attempts'], async () => {
			for (const route of [
				{ method: 'GET', path: `/webhooks/${fixture.webhook}/deliveries` },
				{ method: 'GET', path: `/webhooks/${fixture.webhook}/deliveries/${fixture.delivery}` },
				{ method: 'POST', path: `/webhooks/${fixture.webhook}/deliveries/${fixture.delivery}/resend` },
				{ method: 'GET', path: `/items/webhooks_deliveries/${fixture.delivery}` },
				{ method: 'GET', path: `/items/webhooks_attempts/${fixture.attempt}` },
			]) {
				const response = await editor.request(route.method, route.path);
				expect(response.status, `${route.method} ${route.path}: ${JSON.stringify(response.body)}`).toBe(403);
				expect(response.body?.data, route.path).toBeUndefined();
			}
		});
	});
});

describe('access: secret header values', () => {
	// The mask applies to `headers` as such; these query shapes would carry values past it.
	it.each([
		['an alias', `alias[h]=headers&fields=id,h`],
		['an alias picked up by a wildcard', `alias[h]=headers&fields=*`],
		['a max aggregate', `aggregate[max]=headers`],
		['a min aggregate', `aggregate[min]=headers`],
		['a sort (an ordering oracle)', `sort=headers&fields=id`],
	])('cannot be read through %s, in /items or /webhooks', async (_shape, query) => {
		for (const path of [`/items/webhooks_outgoing?${query}`, `/webhooks?${query}`]) {
			const response = await admin.get(path);
			expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(400);
			expect(response.body.errors[0].message).toContain('"headers" holds secret values');
		}
	});

	// A Directus without json() field functions (older 11.x) refuses these itself, with 400 or 403.
	it.each([
		['a json() extraction', `fields=id,json(headers,[0].value)`],
		['an alias of a json() extraction', `alias[h]=json(headers,[0].value)&fields=id,h`],
	])('cannot be read through %s, in /items or /webhooks', async (_shape, query) => {
		for (const path of [`/items/webhooks_outgoing?${query}`, `/webhooks?${query}`]) {
			const response = await admin.get(path);
			expect([400, 403], `${path}: ${JSON.stringify(response.body)}`).toContain(response.status);
			expect(response.body.data).toBeUndefined();
		}
	});

	it('cannot be read through a GraphQL json() field function', async () => {
		const response = await admin.post('/graphql', { query: `{ webhooks_outgoing(filter: { id: { _eq: ${fixture.webhook} } }) { id headers_func { json(path: "[0].value") } } }` });
		expect(response.body.errors?.length ?? 0, JSON.stringify(response.body)).toBeGreaterThan(0);
		expect(graphqlValues(response.body)).toEqual([]);
	});

	it('cannot be read through GraphQL aliases that swap field names', async () => {
		// GraphQL sends its aliases along; here the `url` key would select the headers column.
		const response = await admin.post('/graphql', { query: `{ webhooks_outgoing_by_id(id: ${fixture.webhook}) { url: headers real_url: url } }` });
		expect(response.body.errors?.[0]?.message).toContain('"headers" holds secret values');
		for (const secret of secrets) expect(JSON.stringify(response.body)).not.toContain(secret);
	});

	it('stay masked where headers can be read: one item, a list, a GraphQL alias', async () => {
		const masked = [{ header: 'X-Api-Key', value: MASK, secret: true }];
		const one = await admin.get(`/items/webhooks_outgoing/${fixture.webhook}?fields=id,headers`);
		expect(one.body.data.headers).toEqual(masked);
		const many = await admin.get(`/webhooks?filter[id][_eq]=${fixture.webhook}&fields=id,headers`);
		expect(many.body.data[0].headers).toEqual(masked);
		const graphql = await admin.post('/graphql', { query: `{ webhooks_outgoing_by_id(id: ${fixture.webhook}) { h: headers } }` });
		expect(graphql.body.data.webhooks_outgoing_by_id.h).toEqual(masked);
	});
});

describe('access: secrets in the log', () => {
	it('no secret created in this file appears in the Directus log', () => {
		expect(secrets.length).toBeGreaterThan(8);
		const log = readFileSync(info.logFile, 'utf8');
		// The right log, with this file's requests in it.
		expect(log).toContain(`/webhooks/${fixture.webhook}/rotate-secret`);
		for (const secret of secrets) expect(log.includes(secret), 'a secret is in the log').toBe(false);
	});
});
