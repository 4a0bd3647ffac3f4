// Rate-limited webhooks against the real Directus: a backlog goes out at the webhook's
// rate_limit_per_second, evenly, none dropped; two instances sharing a PostgreSQL database share
// the one limit (the bucket lives in the database), measured at the receiver.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { createCluster, type Cluster } from '../harness/cluster.ts';
import { connect, isServerReachable, type DatabaseTarget } from '../harness/databases.ts';
import { ok } from '../harness/delegate.ts';
import { deliveryStatuses } from '../harness/outbox.ts';
import { Receiver, type ReceivedRequest } from '../harness/receiver.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { sleep } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const target: DatabaseTarget = { kind: info.kind, name: info.database, env: info.env };
const COLLECTION = 'e2e_throttled';

/** Requests per second from the first to the last arrival. */
function measuredRate(requests: ReceivedRequest[]): number {
	const times = requests.map((request) => request.at).sort((a, b) => a - b);
	return (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
}

/** The most arrivals in any one-second window. */
function busiestSecond(requests: ReceivedRequest[]): number {
	const times = requests.map((request) => request.at).sort((a, b) => a - b);
	let most = 0;
	for (let start = 0, end = 0; start < times.length; start++) {
		while (end < times.length && times[end]! < times[start]! + 1000) end++;
		most = Math.max(most, end - start);
	}
	return most;
}

/**
 * Sends a few deliveries from each instance before measuring: an instance's first sends wait for
 * one-time setup (a few hundred ms), and slots that pass meanwhile would go out together.
 */
async function warmUp(clients: ApiClient[], receiver: Receiver): Promise<void> {
	const hook = await ok(clients[0]!.post('/webhooks', { name: 'warm-up', url: receiver.url('/warm-up'), actions: ['create'], collections: [COLLECTION] }));
	await sleep(clients.length > 1 ? 2500 : 0);
	const before = receiver.requests.length;
	for (const client of clients) await ok(client.post(`/items/${COLLECTION}`, Array.from({ length: 5 }, () => ({ n: -1 }))));
	await receiver.waitFor(before + 5 * clients.length, 30_000);
	expect((await clients[0]!.delete(`/webhooks/${hook.id}`)).status).toBe(204);
	receiver.requests.length = 0;
}

/**
 * The most a second may hold: the limit, plus per instance the slots it holds at once (a quarter
 * second's worth, throttle.ts LOOKAHEAD_MS) should a pause of its event loop make them go together.
 */
const mostPerSecond = (limit: number, instances = 1) => limit + instances * (Math.floor(limit / 4) + 1);

/** Answers after a random 0-30 ms, as a real receiver would. */
function randomDelays(receiver: Receiver, seed: number): void {
	const random = seededRandom(seed);
	receiver.respond(() => ({ status: 200, body: 'ok', delayMs: Math.floor(random() * 30) }));
}

describe('rate-limited webhooks', () => {
	let receiver: Receiver;
	const hooks: number[] = [];

	beforeAll(async () => {
		receiver = await Receiver.start();
		randomDelays(receiver, 7);
		await api.createCollection(COLLECTION, { n: 'integer' });
	});

	afterAll(async () => {
		if (hooks.length > 0) await api.delete('/webhooks', hooks);
		await api.delete(`/collections/${COLLECTION}`);
		await receiver.close();
	});

	it('sends a backlog of 100 at 20 per second, evenly and none dropped, while a webhook without a limit sends the same events at once', { timeout: 60_000 }, async () => {
		await warmUp([api], receiver);
		const limited = await ok(api.post('/webhooks', { name: 'limited', url: receiver.url('/limited'), actions: ['create'], collections: [COLLECTION], rate_limit_per_second: 20 }));
		const free = await ok(api.post('/webhooks', { name: 'free', url: receiver.url('/free'), actions: ['create'], collections: [COLLECTION] }));
		hooks.push(limited.id, free.id);
		expect(limited.rate_limit_per_second).toBe(20);
		expect(free.rate_limit_per_second).toBeNull();

		await ok(api.post(`/items/${COLLECTION}`, Array.from({ length: 100 }, (_, n) => ({ n }))));
		await receiver.waitFor(200, 30_000);
		// Longer than a poll: nothing more may come.
		await sleep(1000);

		const at = (path: string) => receiver.requests.filter((request) => request.path === path);
		expect(at('/limited')).toHaveLength(100);
		expect(new Set(at('/limited').map((request) => JSON.parse(request.body).payload.n)).size).toBe(100);
		const rate = measuredRate(at('/limited'));
		expect(rate).toBeGreaterThanOrEqual(18);
		expect(rate).toBeLessThanOrEqual(22);
		expect(busiestSecond(at('/limited'))).toBeLessThanOrEqual(mostPerSecond(20));
		// Without a limit the same 100 go far faster than 20 per second.
		expect(measuredRate(at('/free'))).toBeGreaterThan(60);
		expect(await deliveryStatuses(target, limited.id)).toEqual({ succeeded: 100 });
	});

	it('keeps the slot state out of reach of writes and keeps a changed limit', async () => {
		const hook = await ok(api.post('/webhooks', { name: 'limit-change', url: receiver.url('/change'), actions: ['create'], collections: [COLLECTION], status: 'inactive' }));
		hooks.push(hook.id);
		const refused = await api.patch(`/webhooks/${hook.id}`, { rate_limit_per_second: 0, throttle_next_slot: 1 });
		expect(refused.status).toBe(400);
		expect(refused.body.errors[0].extensions.errors.map((error: { field: string }) => error.field).sort()).toEqual(['rate_limit_per_second', 'throttle_next_slot']);
		expect((await ok(api.patch(`/webhooks/${hook.id}`, { rate_limit_per_second: 5 }))).rate_limit_per_second).toBe(5);
		expect((await ok(api.patch(`/webhooks/${hook.id}`, { rate_limit_per_second: null }))).rate_limit_per_second).toBeNull();
	});
});

const clusterReady = info.kind === 'postgres' ? await isServerReachable('postgres') : false;

describe.skipIf(!clusterReady)('a rate limit shared by two instances on one PostgreSQL database', () => {
	let cluster: Cluster;
	let receiver: Receiver;
	let a: ApiClient;
	let b: ApiClient;

	beforeAll(async () => {
		cluster = await createCluster('postgres', info.env, { label: 'postgres-throttle' });
		await cluster.start();
		[a, b] = cluster.instances.map((instance) => new ApiClient(instance.url, info.token)) as [ApiClient, ApiClient];
		receiver = await Receiver.start();
		randomDelays(receiver, 11);
		await a.createCollection(COLLECTION, { n: 'integer' });
	}, 120_000);

	afterAll(async () => {
		await receiver?.close();
		await cluster?.stop();
	});

	it('holds 30 requests per second within 10% across both instances, both sending, none dropped', { timeout: 90_000 }, async () => {
		const LIMIT = 30;
		const EVENTS = 240;
		await warmUp([a, b], receiver);
		const hook = await ok(a.post('/webhooks', { name: 'shared-limit', url: receiver.url('/shared'), actions: ['create'], collections: [COLLECTION], rate_limit_per_second: LIMIT }));
		// B learns the webhook from the shared database.
		await sleep(2500);

		// Who holds the webhook's deliveries while they drain: both instances must take part.
		const owners = new Set<string>();
		const db = connect(cluster.target);
		let watching = true;
		const watch = (async () => {
			while (watching) {
				const rows: { lease_owner: string }[] = await db('webhooks_deliveries').where({ webhook: hook.id }).whereNotNull('lease_owner').distinct('lease_owner');
				for (const row of rows) owners.add(row.lease_owner);
				await sleep(100);
			}
		})();
		try {
			await Promise.all([
				ok(a.post(`/items/${COLLECTION}`, Array.from({ length: EVENTS / 2 }, (_, n) => ({ n })))),
				ok(b.post(`/items/${COLLECTION}`, Array.from({ length: EVENTS / 2 }, (_, n) => ({ n: EVENTS / 2 + n })))),
			]);
			await receiver.waitFor(EVENTS, 60_000);
		} finally {
			watching = false;
			await watch;
			await db.destroy();
		}
		await sleep(1000);

		expect(receiver.requests).toHaveLength(EVENTS);
		expect(new Set(receiver.requests.map((request) => JSON.parse(request.body).payload.n)).size).toBe(EVENTS);
		expect(owners.size).toBe(2);
		const rate = measuredRate(receiver.requests);
		expect(rate).toBeGreaterThanOrEqual(LIMIT * 0.9);
		expect(rate).toBeLessThanOrEqual(LIMIT * 1.1);
		expect(busiestSecond(receiver.requests)).toBeLessThanOrEqual(mostPerSecond(LIMIT, 2));
		expect(await deliveryStatuses(cluster.target, hook.id)).toEqual({ succeeded: EVENTS });
	});
});
