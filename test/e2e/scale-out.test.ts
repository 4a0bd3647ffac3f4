// Several Directus instances behind one database and Redis (PostgreSQL or MariaDB, whichever this
// run is on; SQLite cannot be shared): every event delivered exactly once, config shared in 2 s.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { createCluster, type Cluster } from '../harness/cluster.ts';
import { deliveryStatuses } from '../harness/outbox.ts';
import { Receiver } from '../harness/receiver.ts';
import { sleep } from '../harness/wait.ts';

const info = inject('directus');
const EVENTS = Number(process.env.TEST_SCALE_EVENTS ?? 10_000);
const BATCH = 500;
const COLLECTION = 'scale_items';

/** Writes `count` items through one instance in batches; item numbers start at `from`. */
async function writeItems(client: ApiClient, from: number, count: number): Promise<void> {
	for (let offset = 0; offset < count; offset += BATCH) {
		const items = Array.from({ length: Math.min(BATCH, count - offset) }, (_, index) => ({ n: from + offset + index }));
		const response = await client.post(`/items/${COLLECTION}`, items);
		if (response.status !== 200) throw new Error(`batch create failed: ${response.status} ${JSON.stringify(response.body)}`);
	}
}

describe.skipIf(info.kind === 'sqlite')(`two instances on one ${info.kind} database with Redis`, () => {
	let cluster: Cluster;
	let receiver: Receiver;
	let a: ApiClient;
	let b: ApiClient;

	beforeAll(async () => {
		cluster = await createCluster(info.kind as 'postgres' | 'mariadb', info.env, { label: `${info.kind}-scale` });
		await cluster.start();
		[a, b] = cluster.instances.map((instance) => new ApiClient(instance.url, info.token)) as [ApiClient, ApiClient];
		receiver = await Receiver.start();
		await a.createCollection(COLLECTION, { n: 'integer' });
	});

	afterAll(async () => {
		await receiver?.close();
		await cluster?.stop();
	});

	it(`delivers ${EVENTS} events written on both instances exactly once`, { timeout: 300_000 }, async () => {
		const hook = await a.post('/webhooks', { name: 'scale', url: receiver.url('/scale'), actions: ['create'], collections: [COLLECTION] });
		expect(hook.status).toBe(200);
		// B has never seen this collection or webhook: it must learn both from the shared database.
		await sleep(2000);

		await Promise.all([writeItems(a, 0, EVENTS / 2), writeItems(b, EVENTS / 2, EVENTS / 2)]);
		await receiver.waitFor(EVENTS, 180_000);
		// Longer than a poll and an outcome flush: a late duplicate would show up here.
		await sleep(3000);

		const ids = receiver.requests.map((request) => String(request.headers['webhook-id']));
		expect(receiver.requests).toHaveLength(EVENTS);
		expect(new Set(ids).size).toBe(EVENTS);
		const numbers = new Set(receiver.requests.map((request) => JSON.parse(request.body).payload.n as number));
		expect(numbers.size).toBe(EVENTS);
		expect(Math.min(...numbers)).toBe(0);
		expect(Math.max(...numbers)).toBe(EVENTS - 1);

		// The outbox agrees with the receiver: one succeeded row per event.
		expect(await deliveryStatuses(cluster.target, hook.body.data.id)).toEqual({ succeeded: EVENTS });
	});

	it('applies a config change made on one instance on the other within 2 s', async () => {
		// Its own receiver: the webhook of the test above still fires for every item.
		const moving = await Receiver.start();
		try {
			const hook = await a.post('/webhooks', { name: 'moving', url: moving.url('/before'), actions: ['create'], collections: [COLLECTION] });
			expect(hook.status).toBe(200);
			await sleep(2000);

			// Changed on B; A must send to the new URL, then stop sending once B deactivates it.
			expect((await b.patch(`/webhooks/${hook.body.data.id}`, { url: moving.url('/after') })).status).toBe(200);
			await sleep(2000);
			await a.post(`/items/${COLLECTION}`, { n: -1 });
			await moving.waitFor(1, 10_000);
			expect(moving.requests.map((request) => request.path)).toEqual(['/after']);

			expect((await b.patch(`/webhooks/${hook.body.data.id}`, { status: 'inactive' })).status).toBe(200);
			await sleep(2000);
			await a.post(`/items/${COLLECTION}`, { n: -2 });
			await sleep(1500);
			expect(moving.requests).toHaveLength(1);
		} finally {
			await moving.close();
		}
	});

	it('coalesces a burst written on both instances at once into one delivery per debounce window', { timeout: 120_000 }, async () => {
		// Its own receiver: the webhooks of the tests above still fire for every item.
		const build = await Receiver.start();
		try {
			const hook = await a.post('/webhooks', { name: 'build', url: build.url('/build'), actions: ['create'], collections: [COLLECTION], debounce_seconds: 3, debounce_max_seconds: 60 });
			expect(hook.status).toBe(200);
			await sleep(2500);
			// Both instances add to the window in the same moments: many small writes, side by side.
			const write = (client: ApiClient, from: number) => (async () => {
				for (let index = 0; index < 40; index++) {
					const response = await client.post(`/items/${COLLECTION}`, Array.from({ length: 5 }, (_, offset) => ({ n: from + index * 5 + offset })));
					if (response.status !== 200) throw new Error(`create failed: ${response.status}`);
				}
			})();
			await Promise.all([write(a, 1_000_000), write(b, 2_000_000)]);
			await build.waitFor(1, 30_000);
			await sleep(5000);
			expect(build.requests).toHaveLength(1);
			expect(JSON.parse(build.requests[0]!.body)).toMatchObject({ event: 'webhook.batch', count: 400 });

			// The next burst, on B alone, is the next window.
			await write(b, 3_000_000);
			await build.waitFor(2, 30_000);
			await sleep(4000);
			expect(build.requests).toHaveLength(2);
			expect(JSON.parse(build.requests[1]!.body).count).toBe(200);
			expect(await deliveryStatuses(cluster.target, hook.body.data.id)).toEqual({ succeeded: 2 });
			await a.patch(`/webhooks/${hook.body.data.id}`, { status: 'inactive' });
		} finally {
			await build.close();
		}
	});
});
