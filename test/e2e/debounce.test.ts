// Debounced webhooks (build hooks) against the real Directus: a burst of edits makes ONE signed,
// logged delivery after the quiet spell, which survives a crash of the instance holding it open.
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { ok, receivedAt } from '../harness/delegate.ts';
import { deliveryStatuses } from '../harness/outbox.ts';
import { Receiver, type ReceivedRequest } from '../harness/receiver.ts';
import { verify } from '../harness/signature.ts';
import { startStack, type Stack } from '../harness/stack.ts';
import { sleep, until } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const COLLECTION = 'e2e_debounced';
let receiver: Receiver;

/** Creates `count` items in requests of `per`, a few at a time, as an import or a busy editor team would. */
async function burst(client: ApiClient, count: number, per = 10, title = 'x'): Promise<number[]> {
	const keys: number[] = [];
	const requests = Array.from({ length: Math.ceil(count / per) }, (_, index) => Array.from({ length: Math.min(per, count - index * per) }, () => ({ title })));
	for (let index = 0; index < requests.length; index += 4) {
		const created = await Promise.all(requests.slice(index, index + 4).map((items) => ok(client.post(`/items/${COLLECTION}`, items))));
		for (const list of created) keys.push(...list.map((item: { id: number }) => item.id));
	}
	return keys;
}

const bodyOf = (request: ReceivedRequest) => JSON.parse(request.body) as { event: string; count: number; events: { event: string; collection: string; keys: number[] }[]; truncated?: boolean };
const keysOf = (request: ReceivedRequest) => bodyOf(request).events.flatMap((entry) => entry.keys);

beforeAll(async () => {
	receiver = await Receiver.start();
	await api.createCollection(COLLECTION, { title: 'string' });
});

afterAll(async () => {
	await api.deleteEverything(COLLECTION);
	await receiver.close();
});

beforeEach(() => receiver.respond(() => ({ status: 200, body: 'ok' })));

describe('debounce', () => {
	it('coalesces a burst of 500 items into exactly one signed delivery with count 500, and the next burst into another', { timeout: 120_000 }, async () => {
		const hook = await ok(api.post('/webhooks', {
			name: 'build', url: receiver.url('/build'), actions: ['create', 'update'], collections: [COLLECTION], debounce_seconds: 2, debounce_max_seconds: 60,
		}));
		const keys = await burst(api, 500);
		const [first] = await until(async () => receivedAt(receiver, '/build'), (list) => list.length >= 1, 30_000);
		// Longer than the quiet spell: a second delivery for the same burst would show up here.
		await sleep(3000);
		expect(receivedAt(receiver, '/build')).toHaveLength(1);
		const body = verify(hook.secret, first!) as ReturnType<typeof bodyOf>;
		expect(body).toMatchObject({ event: 'webhook.batch', count: 500 });
		expect(body.truncated).toBeUndefined();
		expect(body.events).toEqual([{ event: `${COLLECTION}.items.create`, collection: COLLECTION, keys: expect.any(Array) }]);
		expect(keysOf(first!).sort((a, b) => a - b)).toEqual([...keys].sort((a, b) => a - b));

		// The delivery is in the log like any other, and can be sent again with the same id.
		const [logged] = await ok(api.get(`/webhooks/${hook.id}/deliveries?filter[event][_eq]=webhook.batch`));
		expect(logged).toMatchObject({ event: 'webhook.batch', status: 'succeeded' });
		await ok(api.post(`/webhooks/${hook.id}/deliveries/${logged.id}/resend`));
		const again = await until(async () => receivedAt(receiver, '/build'), (list) => list.length >= 2);
		expect(again[1]!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
		expect(again[1]!.body).toBe(first!.body);

		await ok(api.patch(`/items/${COLLECTION}`, { keys: keys.slice(0, 20), data: { title: 'edited' } }));
		const second = await until(async () => receivedAt(receiver, '/build'), (list) => list.length >= 3, 30_000);
		expect(bodyOf(second[2]!)).toMatchObject({ count: 20, events: [{ event: `${COLLECTION}.items.update` }] });
		expect(keysOf(second[2]!).sort((a, b) => a - b)).toEqual(keys.slice(0, 20).sort((a, b) => a - b));
	});

	it('sends a window at the latest debounce_max_seconds after its first event, even while events keep coming', { timeout: 60_000 }, async () => {
		await ok(api.post('/webhooks', { name: 'capped', url: receiver.url('/capped'), actions: ['create'], collections: [COLLECTION], debounce_seconds: 3, debounce_max_seconds: 4 }));
		const started = Date.now();
		// One item every 500 ms for 7 s: never a quiet spell of 3 s.
		while (Date.now() - started < 7000) {
			await ok(api.post(`/items/${COLLECTION}`, { title: 'steady' }));
			await sleep(500);
		}
		const requests = await until(async () => receivedAt(receiver, '/capped'), (list) => list.length >= 2, 20_000);
		expect(requests[0]!.at - started).toBeLessThan(4000 + 2500);
		expect(requests[0]!.at - started).toBeGreaterThanOrEqual(4000);
	});

	it('applies the template to the window: count and events fill it', async () => {
		await ok(api.post('/webhooks', {
			name: 'templated', url: receiver.url('/templated-window'), actions: ['create'], collections: [COLLECTION], debounce_seconds: 1,
			body_template: '{"text": "{{ count }} changes", "first": {{ events[0].keys }}, "event": "{{ event }}"}',
		}));
		const keys = await burst(api, 3, 3);
		const [request] = await until(async () => receivedAt(receiver, '/templated-window'), (list) => list.length >= 1);
		// A batch write emits one event per item; like events share one entry.
		expect(JSON.parse(request!.body)).toEqual({ text: '3 changes', first: keys, event: 'webhook.batch' });
	});

	it('leaves out items that do not match the filter, from the list and the count', async () => {
		await ok(api.post('/webhooks', {
			name: 'filtered', url: receiver.url('/filtered'), actions: ['create'], collections: [COLLECTION], debounce_seconds: 1, filter: { title: { _eq: 'keep' } },
		}));
		const kept = await burst(api, 4, 2, 'keep');
		await burst(api, 6, 3, 'drop');
		const [request] = await until(async () => receivedAt(receiver, '/filtered'), (list) => list.length >= 1);
		expect(bodyOf(request!).count).toBe(4);
		expect(keysOf(request!).sort()).toEqual([...kept].sort());
	});
});

describe('debounce across a crash', () => {
	let stack: Stack;
	let client: ApiClient;

	beforeAll(async () => {
		stack = await startStack(info.kind, { label: `${info.kind}-debounce-crash`, env: { WEBHOOKS_DISABLE_AFTER: '1h' } });
		client = new ApiClient(stack.info.url, stack.info.token);
		await client.createCollection(COLLECTION, { title: 'string' });
	});

	afterAll(async () => {
		await stack?.stop();
	});

	it('a SIGKILL in the middle of a window still ends in exactly one delivery for it after restart', { timeout: 120_000 }, async () => {
		const hook = await ok(client.post('/webhooks', { name: 'crash', url: receiver.url('/crash'), actions: ['create'], collections: [COLLECTION], debounce_seconds: 5 }));
		const keys = await burst(client, 40, 10);
		// The window is in the outbox (its events are no longer only in memory), not yet due.
		await until(async () => deliveryStatuses(stack.target, hook.id), (statuses) => statuses.pending === 1);
		await sleep(200);
		await stack.directus.kill();
		await stack.directus.start();
		const [request] = await until(async () => receivedAt(receiver, '/crash'), (list) => list.length >= 1, 60_000);
		await sleep(6000);
		expect(receivedAt(receiver, '/crash')).toHaveLength(1);
		expect(bodyOf(request!).count).toBe(40);
		expect(keysOf(request!).sort()).toEqual([...keys].sort());
		expect(await deliveryStatuses(stack.target, hook.id)).toEqual({ succeeded: 1 });
	});
});
