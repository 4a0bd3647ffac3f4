// Faults an operator meets in production: a receiver that is down, a Directus killed mid-drain, a
// receiver that answers slowly. Nothing may be lost, duplicates stay bounded, others are not held up.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { deliveryStatuses } from '../harness/outbox.ts';
import { Receiver } from '../harness/receiver.ts';
import { startStack, type Stack } from '../harness/stack.ts';
import { sleep } from '../harness/wait.ts';

const info = inject('directus');
// A minute in production terms; CI shortens it (TEST_RECEIVER_DOWN_MS=60000 runs the full minute).
const OUTAGE_MS = Number(process.env.TEST_RECEIVER_DOWN_MS ?? 10_000);
const OUTAGE_EVENTS = 1_000;
const DRAIN_EVENTS = 5_000;
const TIMEOUT_S = 2;

async function writeItems(client: ApiClient, collection: string, from: number, count: number, batch = 500): Promise<void> {
	for (let offset = 0; offset < count; offset += batch) {
		const items = Array.from({ length: Math.min(batch, count - offset) }, (_, index) => ({ n: from + offset + index }));
		const response = await client.post(`/items/${collection}`, items);
		if (response.status !== 200) throw new Error(`batch create failed: ${response.status} ${JSON.stringify(response.body)}`);
	}
}

function total(statuses: Record<string, number>): number {
	return Object.values(statuses).reduce((sum, count) => sum + count, 0);
}

function webhookIds(receiver: Receiver, path: string): string[] {
	return receiver.requests.filter((request) => request.path === path).map((request) => String(request.headers['webhook-id']));
}

describe('faults on one instance', () => {
	let stack: Stack;
	let api: ApiClient;
	let receiver: Receiver;

	beforeAll(async () => {
		// Retries that outlast the outage (with jitter), no auto-disable, and a short timeout so a
		// killed instance's leases expire in well under a minute.
		const retries = ['1s', '2s', ...Array.from({ length: Math.max(12, Math.ceil((OUTAGE_MS * 2) / 5000)) }, () => '5s')];
		stack = await startStack(info.kind, {
			label: `${info.kind}-faults`,
			env: { WEBHOOKS_RETRY_SCHEDULE: retries.join(','), WEBHOOKS_DISABLE_AFTER: '1h', WEBHOOKS_TIMEOUT: `${TIMEOUT_S}s` },
		});
		api = new ApiClient(stack.info.url, stack.info.token);
		receiver = await Receiver.start();
		await api.createCollection('fault_items', { n: 'integer' });
	});

	afterAll(async () => {
		await receiver?.close();
		await stack?.stop();
	});

	it(`delivers all ${OUTAGE_EVENTS} events written while the receiver was down, once each`, { timeout: 120_000 + OUTAGE_MS * 3 }, async () => {
		const hook = await api.post('/webhooks', { name: 'outage', url: receiver.url('/outage'), actions: ['create'], collections: ['fault_items'] });
		expect(hook.status).toBe(200);
		const port = receiver.port;
		await receiver.close();

		const down = Date.now();
		await writeItems(api, 'fault_items', 0, OUTAGE_EVENTS, 100);
		// The engine keeps trying (connection refused) while we wait out the outage.
		await sleep(Math.max(0, OUTAGE_MS - (Date.now() - down)));
		const pending = await deliveryStatuses(stack.target, hook.body.data.id);
		expect(pending.succeeded ?? 0).toBe(0);
		expect((pending.pending ?? 0) + (pending.sending ?? 0)).toBe(OUTAGE_EVENTS);

		receiver = await Receiver.start(port);
		await receiver.waitFor(OUTAGE_EVENTS, 60_000 + OUTAGE_MS * 2);
		await sleep(2000);
		const ids = webhookIds(receiver, '/outage');
		expect(ids).toHaveLength(OUTAGE_EVENTS);
		expect(new Set(ids).size).toBe(OUTAGE_EVENTS);
		expect(await deliveryStatuses(stack.target, hook.body.data.id)).toEqual({ succeeded: OUTAGE_EVENTS });
		await api.patch(`/webhooks/${hook.body.data.id}`, { status: 'inactive' });
	});

	it(`SIGKILL mid-drain of ${DRAIN_EVENTS} deliveries: all delivered after restart, duplicates bounded by those in flight`, { timeout: 300_000 }, async () => {
		// The receiver refuses until the whole backlog is in the outbox, so the kill lands in a drain.
		let open = false;
		receiver.respond(() => (open ? { status: 200, delayMs: 5 } : { status: 503 }));
		const hook = await api.post('/webhooks', { name: 'crash', url: receiver.url('/crash'), actions: ['create'], collections: ['fault_items'] });
		expect(hook.status).toBe(200);
		const webhook = hook.body.data.id as number;

		await writeItems(api, 'fault_items', 100_000, DRAIN_EVENTS);
		const written = Date.now() + 60_000;
		while (total(await deliveryStatuses(stack.target, webhook)) < DRAIN_EVENTS && Date.now() < written) await sleep(200);
		expect(total(await deliveryStatuses(stack.target, webhook))).toBe(DRAIN_EVENTS);
		// From here on every answer is 200: a webhook-id seen twice is a repeat caused by the kill.
		receiver.requests.length = 0;
		open = true;

		await receiver.waitFor(Math.floor(DRAIN_EVENTS / 4), 120_000);
		await stack.directus.kill();
		const atKill = webhookIds(receiver, '/crash').length;

		const killed = await deliveryStatuses(stack.target, webhook);
		const inFlight = killed.sending ?? 0;
		expect(killed.succeeded ?? 0).toBeLessThan(DRAIN_EVENTS);

		await stack.directus.start();
		// The dead instance's leases expire (timeout x 3 + 30 s), then the restarted one sends those
		// deliveries again: wait for the outbox to finish, not just for every id to arrive once.
		const deadline = Date.now() + 180_000;
		while ((await deliveryStatuses(stack.target, webhook)).succeeded !== DRAIN_EVENTS && Date.now() < deadline) await sleep(1000);
		await sleep(2000);

		const ids = webhookIds(receiver, '/crash');
		const distinct = new Set(ids).size;
		const statuses = await deliveryStatuses(stack.target, webhook);
		console.log(`[faults] killed after ${atKill} requests; ${inFlight} in flight (outbox ${JSON.stringify(killed)}); ${distinct} distinct and ${ids.length - distinct} duplicates received; outbox ${JSON.stringify(statuses)}`);
		expect(distinct).toBe(DRAIN_EVENTS);
		expect(ids.length - distinct).toBeLessThanOrEqual(inFlight);
		// Nothing is left leased to the dead instance.
		expect(statuses).toEqual({ succeeded: DRAIN_EVENTS });
	});
});

describe('a slow receiver', () => {
	const api = new ApiClient(info.url, info.token);

	it('does not delay deliveries of other webhooks', { timeout: 120_000 }, async () => {
		const slow = await Receiver.start();
		const fast = await Receiver.start();
		// The slow receiver holds every request until the test lets go (or the 15 s timeout ends it).
		let release!: () => void;
		const gate = new Promise<void>((open) => (release = open));
		slow.respond(async () => (await gate, { status: 200 }));
		try {
			await api.createCollection('slow_items', { n: 'integer' });
			const hooks = await api.post('/webhooks', [
				{ name: 'slow', url: slow.url('/slow'), actions: ['create'], collections: ['slow_items'] },
				{ name: 'fast', url: fast.url('/fast'), actions: ['create'], collections: ['slow_items'] },
			]);
			expect(hooks.status).toBe(200);

			const started = Date.now();
			await writeItems(api, 'slow_items', 0, 100, 100);
			await fast.waitFor(100, 20_000);
			const elapsed = Date.now() - started;
			// Were the fast deliveries queued behind the slow ones, they would wait for the 15 s
			// timeout; the slow webhook has at most its per-webhook share in flight.
			expect(elapsed).toBeLessThan(10_000);
			expect(slow.requests.length).toBeGreaterThan(0);
			expect(slow.requests.length).toBeLessThanOrEqual(16);
			expect(new Set(fast.requests.map((request) => request.headers['webhook-id'])).size).toBe(100);

			release();
			await slow.waitFor(100, 60_000);
			for (const hook of hooks.body.data) await api.delete(`/webhooks/${hook.id}`);
		} finally {
			release();
			await slow.close();
			await fast.close();
		}
	});
});
