// A Directus that is stopped (SIGTERM, as a deploy or `docker stop` does) writes what it holds in
// memory before its database pool closes: the outcome of a send still in flight, and the
// deliveries of items written just before. Nothing is sent twice because of the stop.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { connect } from '../harness/databases.ts';
import { deliveryStatuses } from '../harness/outbox.ts';
import { Receiver } from '../harness/receiver.ts';
import { startStack, type Stack } from '../harness/stack.ts';
import { sleep } from '../harness/wait.ts';

const info = inject('directus');
const COLLECTION = 'shutdown_items';
// The receiver answers after Directus has begun to stop (its HTTP server closes within 1 s).
const ANSWER_AFTER_MS = 2_000;

describe('stopping Directus', () => {
	let stack: Stack;
	let api: ApiClient;
	let receiver: Receiver;

	beforeAll(async () => {
		stack = await startStack(info.kind, { label: `${info.kind}-shutdown` });
		api = new ApiClient(stack.info.url, stack.info.token);
		receiver = await Receiver.start();
		await api.createCollection(COLLECTION, { n: 'integer' });
	});

	afterAll(async () => {
		await receiver?.close();
		await stack?.stop();
	});

	async function restart(): Promise<void> {
		await stack.directus.start();
		api = new ApiClient(stack.info.url, stack.info.token);
	}

	it('records the answer to a send in flight when Directus stops, and does not send it again after a restart', { timeout: 90_000 }, async () => {
		receiver.respond(() => ({ status: 200, body: 'ok', delayMs: ANSWER_AFTER_MS }));
		const hook = await api.post('/webhooks', { name: 'in flight', url: receiver.url('/in-flight'), actions: ['create'], collections: [COLLECTION] });
		expect(hook.status, JSON.stringify(hook.body)).toBe(200);
		expect((await api.post(`/items/${COLLECTION}`, { n: 1 })).status).toBe(200);
		await receiver.waitFor(1, 20_000);

		const stopping = Date.now();
		await stack.directus.stop();
		// Stopped by its own shutdown, not by the harness's SIGKILL after 15 s.
		expect(Date.now() - stopping).toBeLessThan(12_000);
		expect(await deliveryStatuses(stack.target, hook.body.data.id)).toEqual({ succeeded: 1 });

		receiver.respond(() => ({ status: 200, body: 'ok' }));
		await restart();
		await sleep(3_000);
		expect(receiver.requests.filter((request) => request.path === '/in-flight')).toHaveLength(1);
		await api.patch(`/webhooks/${hook.body.data.id}`, { status: 'inactive' });
	});

	it('has a delivery for every item written up to the stop', { timeout: 90_000 }, async () => {
		const hook = await api.post('/webhooks', { name: 'last writes', url: receiver.url('/last'), actions: ['create'], collections: [COLLECTION] });
		expect(hook.status, JSON.stringify(hook.body)).toBe(200);
		// Writes still under way when the stop begins (Directus lets them finish, for up to 1 s):
		// those committed must have their deliveries too.
		const writes = Array.from({ length: 10 }, (_, index) => api.post(`/items/${COLLECTION}`, { n: 1000 + index }).catch(() => null));
		await sleep(20);
		await stack.directus.stop();
		const answered = (await Promise.all(writes)).filter((response) => response?.status === 200).length;

		const db = connect(stack.target);
		try {
			const items = Number((await db(COLLECTION).where('n', '>=', 1000).count({ count: '*' }))[0]!.count);
			const deliveries = Number((await db('webhooks_deliveries').where({ webhook: hook.body.data.id }).count({ count: '*' }))[0]!.count);
			expect(items).toBeGreaterThanOrEqual(answered);
			expect(items).toBeGreaterThan(0);
			expect(deliveries).toBe(items);
		} finally {
			await db.destroy();
		}
		await restart();
	});
});
