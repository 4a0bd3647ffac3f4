// An incoming endpoint's answer decided by a Flow, on the real Directus: a blocking Flow (Event
// Hook, "Filter (Blocking)") on the storage collection's create event runs before the request is
// stored. When it rejects, the caller gets 422 (or the endpoint's `rejected` status) with the Flow's
// message in Directus's error shape and nothing is stored; when it changes the row, the stored row
// and the answer show the change. Other endpoints, and the same one after the Flow is switched
// off, keep storing as before. A stored request can be replayed (stored again, marked replay_of)
// so its Flows run again, by whoever may create such rows themselves.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appSession } from '../harness/app-session.ts';
import { hasChromium } from '../harness/browser.ts';
import { ApiClient } from '../harness/client.ts';
import { createDelegate, ok, type Delegate } from '../harness/delegate.ts';
import { sleep } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const endpoints: number[] = [];
const DELEGATE_TOKEN = randomBytes(24).toString('hex');
let delegate: Delegate;
const flows: string[] = [];
// Blocking Flows are looked up every 2 s: a new or switched-off one applies within that.
const FLOWS_SEEN_MS = 2_500;

// Rejects an order over 100 with the Flow's own words; marks the others as processed.
const SCRIPT = `module.exports = async function (data) {
	const payload = data.$trigger.payload;
	const amount = payload.body && payload.body.amount;
	if (amount > 100) throw new Error('Orders over 100 need approval (got ' + amount + ')');
	return { ...payload, status: 'processed' };
};`;

async function createEndpoint(overrides: Record<string, unknown> = {}) {
	const tag = randomBytes(4).toString('hex');
	const endpoint = await ok(api.post('/webhooks/endpoints', { name: `flows ${tag}`, suffix: `flows/${tag}`, ...overrides }));
	endpoints.push(endpoint.id);
	return endpoint as { id: number; url: string; collection: string };
}

/** An active blocking Flow on `collection`'s create event running SCRIPT; its result ("Data of Last Operation") becomes the row. */
async function blockingFlow(collection: string): Promise<string> {
	const flow = await ok(api.post('/flows', { name: `decide ${collection}`, status: 'active', trigger: 'event', accountability: 'all', options: { type: 'filter', scope: ['items.create'], collections: [collection], return: '$last' } }));
	flows.push(flow.id);
	const operation = await ok(api.post('/operations', { name: 'Decide', key: 'decide', type: 'exec', position_x: 19, position_y: 1, flow: flow.id, options: { code: SCRIPT } }));
	await ok(api.patch(`/flows/${flow.id}`, { operation: operation.id }));
	await sleep(FLOWS_SEEN_MS);
	return flow.id;
}

async function post(url: string, body: unknown) {
	const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	const text = await response.text();
	return { status: response.status, text, json: () => JSON.parse(text) as Record<string, any> };
}

const stored = async (collection: string) => ok(api.get(`/items/${collection}?limit=-1&sort=id&fields=id,status,body`)) as Promise<{ id: number; status: string; body: { amount: number } }[]>;

beforeAll(async () => {
	delegate = await createDelegate(api, 'inbound-flows', DELEGATE_TOKEN);
	await delegate.grant('webhooks_endpoints', 'read');
});

afterAll(async () => {
	for (const flow of flows) await api.delete(`/flows/${flow}`);
	for (const endpoint of endpoints) await api.delete(`/webhooks/endpoints/${endpoint}?drop_collection=true`);
	await delegate.remove();
});

describe('answers decided by a blocking Flow', () => {
	it('a Flow that rejects gets the caller 422 with its message, and nothing is stored; an accepted request stores what the Flow changed and the answer shows it', async () => {
		const endpoint = await createEndpoint({ response_content_type: 'application/json', response_body: '{"stored": {{ item.id }}, "status": "{{ item.status }}"}' });
		await blockingFlow(endpoint.collection);

		const refused = await post(endpoint.url, { amount: 250 });
		expect(refused.status, refused.text).toBe(422);
		expect(refused.json()).toEqual({ errors: [{ message: 'Orders over 100 need approval (got 250)', extensions: { code: 'REJECTED' } }] });
		expect(await stored(endpoint.collection)).toEqual([]);

		const accepted = await post(endpoint.url, { amount: 40 });
		expect(accepted.status, accepted.text).toBe(200);
		const [row] = await stored(endpoint.collection);
		expect(row).toMatchObject({ status: 'processed', body: { amount: 40 } });
		// The answer shows the row as the Flow left it, not as it arrived ("received").
		expect(accepted.json()).toEqual({ stored: row!.id, status: 'processed' });
	});

	it('the rejection status is the endpoint\'s own when it sets one, and many requests at once are each decided alone', async () => {
		const endpoint = await createEndpoint({ failure_statuses: { rejected: 409 } });
		await blockingFlow(endpoint.collection);
		const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => post(endpoint.url, { amount: index % 2 === 0 ? 500 : 5 })));
		expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? 409 : 200)));
		const rows = await stored(endpoint.collection);
		// One rejected request never takes an accepted one down with it.
		expect(rows.map((row) => row.body.amount).sort((a, b) => a - b)).toEqual(Array(10).fill(5));
		expect(rows.every((row) => row.status === 'processed')).toBe(true);
	});

	it('an endpoint without a blocking Flow, and one whose Flow was switched off, store as before', async () => {
		const plain = await createEndpoint();
		const endpoint = await createEndpoint();
		const flow = await blockingFlow(endpoint.collection);
		expect((await post(plain.url, { amount: 999 })).status).toBe(200);
		expect((await stored(plain.collection)).map((row) => row.status)).toEqual(['received']);

		await ok(api.patch(`/flows/${flow}`, { status: 'inactive' }));
		await sleep(FLOWS_SEEN_MS);
		expect((await post(endpoint.url, { amount: 999 })).status).toBe(200);
		expect((await stored(endpoint.collection)).map((row) => [row.status, row.body.amount])).toEqual([['received', 999]]);
	});
});

describe('replay', () => {
	it('stores a copy marked replay_of, so the collection\'s Flows run on it again', async () => {
		const endpoint = await createEndpoint();
		expect((await post(endpoint.url, { amount: 7 })).status).toBe(200);
		const [original] = await stored(endpoint.collection);
		expect(original!.status).toBe('received');
		await blockingFlow(endpoint.collection);

		const copy = await ok(api.post(`/webhooks/endpoints/${endpoint.id}/requests/${original!.id}/replay`));
		expect(copy).toMatchObject({ replay_of: original!.id, endpoint: endpoint.id, body: { amount: 7 }, status: 'processed' });
		expect(copy.id).not.toBe(original!.id);
		expect((await stored(endpoint.collection)).map((row) => [row.id, row.status])).toEqual([[original!.id, 'received'], [copy.id, 'processed']]);
	});

	it('a role that may read the requests but not create them cannot replay one; the public neither; an unknown id is refused', async () => {
		const endpoint = await createEndpoint();
		const other = await createEndpoint();
		expect((await post(endpoint.url, { amount: 1 })).status).toBe(200);
		expect((await post(other.url, { amount: 2 })).status).toBe(200);
		const [request] = await stored(endpoint.collection);
		const [foreign] = await stored(other.collection);
		await delegate.grant(endpoint.collection, 'read');
		const asDelegate = api.withToken(DELEGATE_TOKEN);
		expect((await asDelegate.post(`/webhooks/endpoints/${endpoint.id}/requests/${request!.id}/replay`)).status).toBe(403);
		expect((await api.withToken(null).post(`/webhooks/endpoints/${endpoint.id}/requests/${request!.id}/replay`)).status).toBe(403);
		// An id that is no stored request of this endpoint: refused like any unreadable item, never a 5xx.
		expect((await api.post(`/webhooks/endpoints/${endpoint.id}/requests/${foreign!.id + 1000}/replay`)).status).toBe(403);
		expect((await api.post(`/webhooks/endpoints/${endpoint.id}/requests/abc/replay`)).status).toBe(403);
		expect(await stored(endpoint.collection)).toHaveLength(1);
		expect(await stored(other.collection)).toHaveLength(1);
	});
});

describe.skipIf(!hasChromium)('replay in the app', () => {
	const session = appSession(info.url);

	it('the request drawer\'s Replay stores the request again and shows the copy', async () => {
		const endpoint = await createEndpoint({ name: 'Replayed in the app' });
		expect((await post(endpoint.url, { amount: 3 })).status).toBe(200);
		const [original] = await stored(endpoint.collection);
		await session.page.goto(`${info.url}/admin/webhooks/incoming/${endpoint.id}`);
		await session.page.getByText('Replayed in the app').first().waitFor();
		await session.page.locator('.hydrating').waitFor({ state: 'hidden' });
		await session.page.locator('[data-test="requests"] tbody tr, [data-test="requests"] .table-row').first().click();
		await session.page.locator('[data-test="replay-request"]').click();
		await session.page.locator('[data-test="replay-of"]').getByText(`A replay of request #${original!.id}`).waitFor();
		const rows = await stored(endpoint.collection);
		expect(rows.map((row) => row.body.amount)).toEqual([3, 3]);
		expect(session.errors).toEqual([]);
	}, 120_000);
});
