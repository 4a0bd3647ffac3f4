// Ordered webhooks' claims against a real SQLite outbox (knex, no Directus): an item's next row is
// claimable only once the one before it is settled; other items and unordered rows never wait.
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryStore, type ClaimedDelivery, type NewDelivery, type Outcome } from '../../extensions/src/api/outbound/queue/delivery-store';
import { outboxDatabase } from './outbox-database';

let db: Knex;
let store: DeliveryStore;
const ORDERED = { ordered: true };

beforeEach(async () => {
	db = await outboxDatabase();
	store = new DeliveryStore(db);
});

afterEach(() => db.destroy());

const row = (n: number, item: string, ordered = true, webhook = 1): NewDelivery => ({ webhook, message_id: `msg_${n}`, event: 'a.items.update', collection: 'a', item_key: item, event_data: { n }, ordered });

function settled(claimed: ClaimedDelivery, status: Outcome['status'], nextAttemptAt: number | null = null): Outcome {
	return {
		delivery: claimed, status, nextAttemptAt, error: null,
		attempt: { delivery: claimed.id, webhook: claimed.webhook, attempt: 1, started_at: 1, duration_ms: 1, request_url: 'http://x', request_headers: {}, request_body: '{}', response_status: 200, response_headers: {}, response_body: '', error: null },
	};
}

const names = (rows: ClaimedDelivery[]) => rows.map((claimed) => claimed.message_id).sort();

describe('ordered claims', () => {
	it('claims only the first unsettled row of each item, and the next once the first succeeded', async () => {
		const now = Date.now();
		await store.insert([row(1, 'x'), row(2, 'x'), row(3, 'y'), row(4, 'x'), row(5, 'y')], now);
		const first = await store.claim('me', 10, now + 30_000, [], now, ORDERED);
		expect(names(first)).toEqual(['msg_1', 'msg_3']);
		// Sending (leased) still holds the item back.
		expect(await store.claim('other', 10, now + 30_000, [], now, ORDERED)).toEqual([]);
		await store.record('me', [settled(first.find((claimed) => claimed.message_id === 'msg_1')!, 'succeeded')], now);
		expect(names(await store.claim('me', 10, now + 30_000, [], now, ORDERED))).toEqual(['msg_2']);
	});

	it('holds the next row while the earlier one waits for a retry, and lets it go once that one failed for good or was skipped', async () => {
		const now = Date.now();
		await store.insert([row(1, 'x'), row(2, 'x'), row(3, 'x')], now);
		const [head] = await store.claim('me', 10, now + 30_000, [], now, ORDERED);
		await store.record('me', [settled(head!, 'pending', now + 1000)], now);
		expect(await store.claim('me', 10, now + 30_000, [], now + 10, ORDERED)).toEqual([]);
		// The retry is the one claimed when due, still before the rows after it.
		const [retry] = await store.claim('me', 10, now + 30_000, [], now + 1000, ORDERED);
		expect(retry!.message_id).toBe('msg_1');
		await store.record('me', [settled(retry!, 'failed')], now + 1000);
		const [second] = await store.claim('me', 10, now + 30_000, [], now + 1000, ORDERED);
		expect(second!.message_id).toBe('msg_2');
		await store.record('me', [settled(second!, 'skipped')], now + 1000);
		expect(names(await store.claim('me', 10, now + 30_000, [], now + 1000, ORDERED))).toEqual(['msg_3']);
	});

	it('keeps an order key only on unsettled rows, and never holds rows of unordered webhooks or other items', async () => {
		const now = Date.now();
		await store.insert([row(1, 'x'), row(2, 'x'), row(3, 'x', false, 2), row(4, 'x', false, 2)], now);
		expect(names(await store.claim('me', 10, now + 30_000, [], now, ORDERED))).toEqual(['msg_1', 'msg_3', 'msg_4']);
		const keys = await db('webhooks_deliveries').orderBy('id').pluck('order_key');
		expect(keys[0]).toBe(keys[1]);
		expect(keys[0]).toMatch(/^1:/);
		expect(keys.slice(2)).toEqual([null, null]);
		await store.skipPending(1, 'the webhook is inactive', now);
		expect(await db('webhooks_deliveries').where({ message_id: 'msg_2' }).first('order_key', 'status')).toEqual({ order_key: null, status: 'skipped' });
	});

	it('records a batch mixing an ordered retry with other outcomes: the retry keeps its key, the rest stay without one', async () => {
		const now = Date.now();
		await store.insert([row(1, 'x'), row(2, 'x'), row(3, 'y', false, 2)], now);
		const claimed = await store.claim('me', 10, now + 30_000, [], now, ORDERED);
		expect(names(claimed)).toEqual(['msg_1', 'msg_3']);
		await store.record('me', claimed.map((one) => (one.message_id === 'msg_1' ? settled(one, 'pending', now + 1000) : settled(one, 'succeeded'))), now);
		const rows = await db('webhooks_deliveries').orderBy('id').select('message_id', 'status', 'order_key');
		expect(rows.map((one) => [one.message_id, one.status, one.order_key === null ? null : 'key'])).toEqual([['msg_1', 'pending', 'key'], ['msg_2', 'pending', 'key'], ['msg_3', 'succeeded', null]]);
		expect(await store.claim('me', 10, now + 30_000, [], now + 10, ORDERED)).toEqual([]);
	});

	it('claims without the check exactly as before when no webhook is ordered', async () => {
		const now = Date.now();
		await store.insert([row(1, 'x'), row(2, 'x')], now);
		expect(names(await store.claim('me', 10, now + 30_000, [], now))).toEqual(['msg_1', 'msg_2']);
	});
});
