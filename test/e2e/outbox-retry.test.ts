// The outbox cannot be written for a while (here its table is renamed away, as a restore or a
// migration might leave it). A tracked write records its events in its own transaction, so it is
// refused (503, nothing saved) rather than saved without them. A write Directus does not track
// (activity tracking off) records them after its commit: it succeeds, and its events are kept and
// written once the table is back, each delivered once.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { connect } from '../harness/databases.ts';
import { deliveryStatuses } from '../harness/outbox.ts';
import { Receiver } from '../harness/receiver.ts';
import { sleep, until } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const target = { kind: info.kind, name: info.database, env: info.env };
const COLLECTION = `outbox_retry_${randomBytes(3).toString('hex')}`;
const TRACKED = `${COLLECTION}_tracked`;
const EVENTS = 30;
let receiver: Receiver;
let webhook: number;

async function rename(from: string, to: string): Promise<void> {
	const db = connect(target);
	try {
		await db.schema.renameTable(from, to);
	} finally {
		await db.destroy();
	}
}

beforeAll(async () => {
	receiver = await Receiver.start();
	await api.createCollection(COLLECTION, { n: 'integer' });
	await api.createCollection(TRACKED, { n: 'integer' });
	const untracked = await api.patch(`/collections/${COLLECTION}`, { meta: { accountability: null } });
	expect(untracked.status, JSON.stringify(untracked.body)).toBe(200);
	const created = await api.post('/webhooks', { name: COLLECTION, url: receiver.url('/retry'), actions: ['create'], collections: [COLLECTION, TRACKED] });
	expect(created.status, JSON.stringify(created.body)).toBe(200);
	webhook = created.body.data.id;
});

afterAll(async () => {
	if (webhook) await api.delete(`/webhooks/${webhook}`);
	await api.delete(`/collections/${COLLECTION}`);
	await api.delete(`/collections/${TRACKED}`);
	await receiver?.close();
});

describe('outbox: inserts that fail for a while', () => {
	it('refuses a tracked write with 503 while its deliveries cannot be recorded, saving nothing and naming no SQL', async () => {
		await rename('webhooks_deliveries', 'webhooks_deliveries_away');
		let response;
		try {
			response = await api.post(`/items/${TRACKED}`, [{ n: 424242 }, { n: 2 }]);
		} finally {
			await rename('webhooks_deliveries_away', 'webhooks_deliveries');
		}
		expect(response.status).toBe(503);
		expect(response.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
		expect(response.body.errors[0].message).toMatch(/not saved.*deliveries could not be recorded/);
		expect(JSON.stringify(response.body)).not.toMatch(/insert into|424242|webhooks_deliveries/i);
		expect(Number((await api.get(`/items/${TRACKED}?aggregate[count]=*`)).body.data[0].count)).toBe(0);
		// Once the outbox is back, the same write is saved and delivered.
		const before = receiver.requests.length;
		expect((await api.post(`/items/${TRACKED}`, { n: 1 })).status).toBe(200);
		await receiver.waitFor(before + 1, 20_000);
		// Its outcome recorded before the next test takes the table away.
		await until(() => deliveryStatuses(target, webhook), (statuses) => statuses.succeeded === 1);
	});

	it(`keeps the ${EVENTS} events of untracked writes made meanwhile (the writes succeed) and delivers each once the table is back`, async () => {
		const mine = () => receiver.requests.filter((request) => JSON.parse(request.body).collection === COLLECTION);
		const before = receiver.requests.length;
		await rename('webhooks_deliveries', 'webhooks_deliveries_away');
		try {
			for (let n = 0; n < EVENTS; n += 10) {
				const items = Array.from({ length: 10 }, (_, index) => ({ n: n + index }));
				const response = await api.post(`/items/${COLLECTION}`, items);
				expect(response.status, JSON.stringify(response.body)).toBe(200);
			}
			// Long enough for several failed inserts (retries after 200 ms, 500 ms, 1 s…).
			await sleep(2_000);
			expect(mine()).toHaveLength(0);
		} finally {
			await rename('webhooks_deliveries_away', 'webhooks_deliveries');
		}
		await receiver.waitFor(before + EVENTS, 30_000);
		await until(() => deliveryStatuses(target, webhook), (statuses) => statuses.succeeded === EVENTS + 1);
		await sleep(1_000);
		const keys = mine().map((request) => JSON.parse(request.body).key);
		expect(keys).toHaveLength(EVENTS);
		expect(new Set(keys).size).toBe(EVENTS);
		expect(new Set(mine().map((request) => request.headers['webhook-id'])).size).toBe(EVENTS);
	});
});
