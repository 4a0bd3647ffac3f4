// The outbox cannot be written for a while (here its table is renamed away, as a restore or a
// migration might leave it): events of that time are kept and written once the table is back,
// each delivered once, and the app's own writes meanwhile succeed.
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
	const created = await api.post('/webhooks', { name: COLLECTION, url: receiver.url('/retry'), actions: ['create'], collections: [COLLECTION] });
	expect(created.status, JSON.stringify(created.body)).toBe(200);
	webhook = created.body.data.id;
});

afterAll(async () => {
	if (webhook) await api.delete(`/webhooks/${webhook}`);
	await api.delete(`/collections/${COLLECTION}`);
	await receiver?.close();
});

describe('outbox: inserts that fail for a while', () => {
	it(`keeps the ${EVENTS} events written meanwhile and delivers each once the table is back`, async () => {
		await rename('webhooks_deliveries', 'webhooks_deliveries_away');
		try {
			for (let n = 0; n < EVENTS; n += 10) {
				const items = Array.from({ length: 10 }, (_, index) => ({ n: n + index }));
				const response = await api.post(`/items/${COLLECTION}`, items);
				expect(response.status, JSON.stringify(response.body)).toBe(200);
			}
			// Long enough for several failed inserts (retries after 200 ms, 500 ms, 1 s…).
			await sleep(2_000);
			expect(receiver.requests).toHaveLength(0);
		} finally {
			await rename('webhooks_deliveries_away', 'webhooks_deliveries');
		}
		await receiver.waitFor(EVENTS, 30_000);
		await until(() => deliveryStatuses(target, webhook), (statuses) => statuses.succeeded === EVENTS);
		await sleep(1_000);
		const keys = receiver.requests.map((request) => JSON.parse(request.body).key);
		expect(keys).toHaveLength(EVENTS);
		expect(new Set(keys).size).toBe(EVENTS);
		expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(EVENTS);
	});
});
