// Ordered webhooks against the real Directus: deliveries of one item go one at a time, in the order
// their updates were committed, through a receiver that takes a random time per request, while a
// webhook without `ordered` on the same updates is seen to reorder them; a retry holds back the next.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { ok } from '../harness/delegate.ts';
import { deliveryStatuses } from '../harness/outbox.ts';
import { Receiver, type ReceivedRequest } from '../harness/receiver.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { sleep, until } from '../harness/wait.ts';
import { connect, type DatabaseTarget } from '../harness/databases.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const target: DatabaseTarget = { kind: info.kind, name: info.database, env: info.env };
const COLLECTION = 'e2e_ordered';
const ITEMS = 10;
const UPDATES = 1000;
const hooks: number[] = [];
let receiver: Receiver;

/** Per path, the (item, n) of each request in the order the receiver finished handling it. */
const handled = new Map<string, { item: number; n: number }[]>();
const bodyOf = (request: ReceivedRequest) => JSON.parse(request.body) as { keys?: (string | number)[]; key?: string | number; payload: { n: number } };
const itemOf = (request: ReceivedRequest) => Number(bodyOf(request).keys?.[0] ?? bodyOf(request).key);

/** Per item, its n values in the order given. */
function perItem(list: { item: number; n: number }[]): Map<number, number[]> {
	const items = new Map<number, number[]>();
	for (const { item, n } of list) items.set(item, [...(items.get(item) ?? []), n]);
	return items;
}

/** Pairs of deliveries of one item handled in the opposite order of their commits. */
function inversions(list: number[]): number {
	let count = 0;
	for (let index = 1; index < list.length; index++) if (list[index]! < list[index - 1]!) count++;
	return count;
}

beforeAll(async () => {
	receiver = await Receiver.start();
	const random = seededRandom(26);
	// A receiver whose handling time varies a lot per request (0-150 ms, longer than the time between
	// two updates of one item), recording when each is done.
	receiver.respond(async (request) => {
		await sleep(Math.floor(random() * 150));
		const list = handled.get(request.path) ?? [];
		list.push({ item: itemOf(request), n: bodyOf(request).payload.n });
		handled.set(request.path, list);
		return { status: 200, body: 'ok' };
	});
	await api.createCollection(COLLECTION, { n: 'integer' });
});

afterAll(async () => {
	if (hooks.length > 0) await api.delete('/webhooks', hooks);
	await api.delete(`/collections/${COLLECTION}`);
	await receiver.close();
});

describe('ordered deliveries', () => {
	it(`sends ${UPDATES} updates of ${ITEMS} items one at a time per item, in commit order, while a webhook without ordered reorders them`, { timeout: 180_000 }, async () => {
		const items: { id: number }[] = await ok(api.post(`/items/${COLLECTION}`, Array.from({ length: ITEMS }, () => ({ n: -1 }))));
		const ordered = await ok(api.post('/webhooks', { name: 'ordered', url: receiver.url('/ordered'), actions: ['update'], collections: [COLLECTION], ordered: true }));
		const unordered = await ok(api.post('/webhooks', { name: 'unordered', url: receiver.url('/unordered'), actions: ['update'], collections: [COLLECTION] }));
		hooks.push(ordered.id, unordered.id);
		expect(ordered.ordered).toBe(true);
		expect(unordered.ordered).toBe(false);

		// Each item's updates one after another (so their commit order is n's order), the items side by side.
		const perItemUpdates = UPDATES / ITEMS;
		await Promise.all(items.map(async ({ id }) => {
			for (let n = 0; n < perItemUpdates; n++) await ok(api.patch(`/items/${COLLECTION}/${id}`, { n }));
		}));
		await receiver.waitFor(2 * UPDATES, 120_000);
		await until(async () => (handled.get('/ordered')?.length ?? 0) + (handled.get('/unordered')?.length ?? 0), (count) => count >= 2 * UPDATES, 30_000);

		const commitOrder = Array.from({ length: perItemUpdates }, (_, n) => n);
		// Ordered: per item, both the arrival order and the order handled are the commit order.
		const arrived = perItem(receiver.requests.filter((request) => request.path === '/ordered').map((request) => ({ item: itemOf(request), n: bodyOf(request).payload.n })));
		const orderedHandled = perItem(handled.get('/ordered')!);
		expect(arrived.size).toBe(ITEMS);
		for (const { id } of items) {
			expect(arrived.get(id)).toEqual(commitOrder);
			expect(orderedHandled.get(id)).toEqual(commitOrder);
		}
		// Unordered: the same events all arrive, but the receiver handles some of an item's out of order.
		const unorderedHandled = perItem(handled.get('/unordered')!);
		const reordered = [...unorderedHandled.values()].reduce((sum, list) => sum + inversions(list), 0);
		expect([...unorderedHandled.values()].flat()).toHaveLength(UPDATES);
		expect(reordered).toBeGreaterThan(0);

		expect(await deliveryStatuses(target, ordered.id)).toEqual({ succeeded: UPDATES });
		// Settled rows hold back nothing: no order key is left behind.
		const db = connect(target);
		try {
			const left = await db('webhooks_deliveries').where({ webhook: ordered.id }).whereNotNull('order_key').count({ count: '*' });
			expect(Number(left[0]!.count)).toBe(0);
		} finally {
			await db.destroy();
		}
	});

	it('holds the next delivery of an item while the earlier one waits for its retry, and lets other items pass', { timeout: 60_000 }, async () => {
		const [first, other]: { id: number }[] = await ok(api.post(`/items/${COLLECTION}`, [{ n: -1 }, { n: -1 }]));
		const path = '/retry';
		let refused = false;
		const retry = await Receiver.start();
		try {
			// The first request of `first` is refused once (503); everything else is accepted at once.
			retry.respond((request) => {
				if (!refused && itemOf(request) === first!.id) {
					refused = true;
					return { status: 503 };
				}
				return { status: 200 };
			});
			const hook = await ok(api.post('/webhooks', { name: 'ordered-retry', url: retry.url(path), actions: ['update'], collections: [COLLECTION], ordered: true }));
			hooks.push(hook.id);
			await ok(api.patch(`/items/${COLLECTION}/${first!.id}`, { n: 1 }));
			await ok(api.patch(`/items/${COLLECTION}/${first!.id}`, { n: 2 }));
			await ok(api.patch(`/items/${COLLECTION}/${other!.id}`, { n: 1 }));
			// The retry comes about 1 s later (WEBHOOKS_RETRY_SCHEDULE of the tests).
			await retry.waitFor(4, 20_000);
			await sleep(500);
			const sent = retry.requests.map((request) => `${itemOf(request) === first!.id ? 'first' : 'other'}:${bodyOf(request).payload.n}`);
			expect(sent).toHaveLength(4);
			// The other item went at once; n=2 of the first went only after n=1 succeeded on its retry.
			expect(sent.slice(0, 2).sort()).toEqual(['first:1', 'other:1']);
			expect(sent.slice(2)).toEqual(['first:1', 'first:2']);
		} finally {
			await retry.close();
		}
	});
});
