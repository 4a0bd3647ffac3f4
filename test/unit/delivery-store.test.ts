// The outbox SQL against a real SQLite database (knex, no Directus): claims, leases, outcomes, retention.
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryStore, type ClaimedDelivery, type Outcome } from '../../extensions/src/api/outbound/queue/delivery-store';
import { outboxDatabase } from './outbox-database';

let db: Knex;
let store: DeliveryStore;

beforeEach(async () => {
	db = await outboxDatabase();
	store = new DeliveryStore(db);
});

afterEach(() => db.destroy());

const delivery = (n: number, webhook = 1) => ({ webhook, message_id: `msg_${n}`, event: 'a.items.create', collection: 'a', item_key: String(n), event_data: { n } });

function outcome(claimed: ClaimedDelivery, status: Outcome['status'], nextAttemptAt: number | null = null): Outcome {
	return {
		delivery: claimed,
		status,
		nextAttemptAt,
		error: status === 'succeeded' ? null : 'the receiver answered 500',
		attempt: {
			delivery: claimed.id, webhook: claimed.webhook, attempt: claimed.attempts + 1, started_at: 1, duration_ms: 2, request_url: 'http://x',
			request_headers: { a: 'b' }, request_body: '{}', response_status: status === 'succeeded' ? 200 : 500, response_headers: {}, response_body: '', error: null,
		},
	};
}

describe('DeliveryStore', () => {
	it('claims each due delivery once, in due order, and skips excluded webhooks', async () => {
		const now = Date.now();
		await store.insert([delivery(1), delivery(2, 2), delivery(3)], now);
		await store.insert([{ ...delivery(4), next_attempt_at: now + 60_000 }], now);
		const first = await store.claim('a', 10, now + 30_000, [2], now);
		expect(first.map((row) => row.message_id).sort()).toEqual(['msg_1', 'msg_3']);
		expect(first[0]!.event_data).toEqual({ n: expect.any(Number) });
		const second = await store.claim('b', 10, now + 30_000, [], now);
		expect(second.map((row) => row.message_id)).toEqual(['msg_2']);
		expect(await store.claim('c', 10, now + 30_000, [], now)).toEqual([]);
	});

	it('claims by reading the earliest entries of the next_attempt_at index, not by sorting every pending row', async () => {
		const now = Date.now();
		await store.insert(Array.from({ length: 50 }, (_, n) => delivery(n)), now);
		// The schema installer indexes status and next_attempt_at, as the test table does.
		const sql = db('webhooks_deliveries')
			.select('id')
			.where('next_attempt_at', '<=', now)
			.andWhere((where) => where.where('status', 'pending').orWhere('lease_until', '<', now))
			.orderBy('next_attempt_at', 'asc')
			.limit(10)
			.toSQL()
			.toNative();
		const plan = (await db.raw(`explain query plan ${sql.sql}`, sql.bindings)).map((step: { detail: string }) => step.detail).join('; ');
		expect(plan).toMatch(/USING INDEX \S*next_attempt_at/);
		expect(plan).not.toMatch(/TEMP B-TREE/);
		const [claimed] = await store.claim('me', 1, now + 30_000, [], now);
		// Leased, the row waits in the index until its lease ends.
		expect(Number((await db('webhooks_deliveries').where({ id: claimed!.id }).first()).next_attempt_at)).toBe(now + 30_000);
	});

	it('leaves a row leased by an older version (due time not moved to the lease end) until its lease expires', async () => {
		const now = Date.now();
		await store.insert([delivery(1)], now);
		await db('webhooks_deliveries').update({ status: 'sending', lease_owner: 'old', lease_until: now + 1000 });
		expect(await store.claim('me', 10, now + 30_000, [], now + 500)).toEqual([]);
		expect(await store.claim('me', 10, now + 30_000, [], now + 1001)).toHaveLength(1);
	});

	it('lets another owner take over deliveries whose lease expired (crashed instance)', async () => {
		const now = Date.now();
		await store.insert([delivery(1)], now);
		await store.claim('crashed', 10, now + 1000, [], now);
		expect(await store.claim('other', 10, now + 30_000, [], now + 500)).toEqual([]);
		const taken = await store.claim('other', 10, now + 30_000, [], now + 1001);
		expect(taken.map((row) => row.message_id)).toEqual(['msg_1']);
		// The crashed owner's late outcome no longer applies.
		await store.record('crashed', [outcome(taken[0]!, 'succeeded')]);
		expect((await db('webhooks_deliveries').first()).status).toBe('sending');
	});

	it('records outcomes: success finishes, failure schedules the retry, attempts are logged', async () => {
		const now = Date.now();
		await store.insert([delivery(1), delivery(2)], now);
		const [a, b] = await store.claim('me', 10, now + 30_000, [], now);
		await store.record('me', [outcome(a!, 'succeeded'), outcome(b!, 'pending', now + 5000)], now);
		const rows = await db('webhooks_deliveries').orderBy('id');
		expect(rows.map((row) => [row.status, row.attempts, row.lease_owner])).toEqual([['succeeded', 1, null], ['pending', 1, null]]);
		expect(Number(rows[1].next_attempt_at)).toBe(now + 5000);
		expect(await db('webhooks_attempts').count({ n: '*' })).toEqual([{ n: 2 }]);
		expect(await store.claim('me', 10, now + 30_000, [], now + 4999)).toEqual([]);
		expect(await store.claim('me', 10, now + 30_000, [], now + 5000)).toHaveLength(1);
	});

	it('records a batch of retries, each with its own next attempt time, across chunks', async () => {
		const now = Date.now();
		await store.insert(Array.from({ length: 450 }, (_, n) => delivery(n)), now);
		const claimed = await store.claim('me', 450, now + 30_000, [], now);
		expect(claimed).toHaveLength(450);
		const outcomes = claimed.map((row, n) => (n % 3 === 0 ? outcome(row, 'succeeded') : outcome(row, 'pending', now + 1000 + n)));
		await store.record('me', outcomes, now);
		const rows = await db('webhooks_deliveries').orderBy('id');
		const byId = new Map(rows.map((row) => [row.id, row]));
		for (const [n, row] of claimed.entries()) {
			const stored = byId.get(row.id)!;
			if (n % 3 === 0) expect([stored.status, stored.next_attempt_at, Number(stored.finished_at), stored.last_error]).toEqual(['succeeded', null, now, null]);
			else expect([stored.status, Number(stored.next_attempt_at), stored.finished_at, stored.last_error]).toEqual(['pending', now + 1000 + n, null, 'the receiver answered 500']);
			expect(stored.lease_owner).toBeNull();
		}
	});

	it('resends a finished delivery and releases leased ones', async () => {
		const now = Date.now();
		await store.insert([delivery(1)], now);
		const [claimed] = await store.claim('me', 10, now + 30_000, [], now);
		expect(await store.resend(claimed!.id, now)).toBe(false); // being sent
		await store.release('me', [claimed!.id], now);
		const [again] = await store.claim('me', 10, now + 30_000, [], now);
		await store.record('me', [outcome(again!, 'failed')], now);
		expect(await store.resend(again!.id, now)).toBe(true);
		expect((await store.claim('me', 10, now + 30_000, [], now))[0]!.message_id).toBe('msg_1');
	});

	it('purges finished deliveries past retention with their attempts, keeping pending ones', async () => {
		const now = Date.now();
		await store.insert([delivery(1), delivery(2), delivery(3)], now - 10_000);
		const claimed = await store.claim('me', 2, now + 30_000, [], now);
		await store.record('me', claimed.map((row) => outcome(row, 'succeeded')), now);
		expect(await store.purgeFinished(now - 5000)).toBe(2);
		expect((await db('webhooks_deliveries').select('message_id')).map((row) => row.message_id)).toEqual(['msg_3']);
		expect(await db('webhooks_attempts').count({ n: '*' })).toEqual([{ n: 0 }]);
	});
});

describe('DeliveryStore: debounce windows', () => {
	const windowEvent = (webhook: number, keys: number[], debounceMs = 2000, maxMs = 20_000) => ({
		webhook,
		debounceMs,
		maxMs,
		entry: { event: 'a.items.create', collection: 'a', action: 'create' as const, keys },
	});
	const windows = (webhook: number) => db('webhooks_deliveries').where({ webhook }).orderBy('id');

	it('adds a burst to one pending row whose due time moves on with each event, capped after the first', async () => {
		const start = 1_000_000;
		await store.addToWindows([windowEvent(1, [1, 2])], [], start);
		await store.addToWindows([windowEvent(1, [3]), windowEvent(2, [9])], [], start + 1000);
		await store.addToWindows([windowEvent(1, [4, 5, 6])], [], start + 19_000);
		const rows = await windows(1);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ status: 'pending', event: 'webhook.batch', debounce_key: 'window:1', created_at: start });
		// A quiet spell of 2 s after the last event, but never past 20 s after the first.
		expect(Number(rows[0].next_attempt_at)).toBe(start + 20_000);
		// Like events join the entry before them: one entry per run of the same event.
		expect(JSON.parse(rows[0].event_data)).toMatchObject({ count: 6, events: [{ event: 'a.items.create', keys: [1, 2, 3, 4, 5, 6] }] });
		expect(await windows(2)).toHaveLength(1);
		// Not due before its quiet spell.
		expect(await store.claim('a', 10, start + 60_000, [], start + 1500)).toEqual([]);
	});

	it('closes a window when it is claimed: later events open the next one', async () => {
		const start = 2_000_000;
		await store.addToWindows([windowEvent(1, [1])], [], start);
		const [claimed] = await store.claim('a', 10, start + 60_000, [], start + 2000);
		expect(claimed).toMatchObject({ event: 'webhook.batch', event_data: { count: 1 } });
		await store.addToWindows([windowEvent(1, [2])], [], start + 2500);
		const rows = await windows(1);
		expect(rows.map((row: { status: string; debounce_key: string | null }) => [row.status, row.debounce_key])).toEqual([['sending', null], ['pending', 'window:1']]);
		expect(JSON.parse(rows[1].event_data)).toMatchObject({ count: 1, events: [{ keys: [2] }] });
	});

	it('opens a new window after the open one was skipped with its webhook', async () => {
		await store.addToWindows([windowEvent(1, [1])], [], 3_000_000);
		await store.skipPending(1, 'the webhook is inactive');
		await store.addToWindows([windowEvent(1, [2])], [], 3_000_100);
		const rows = await windows(1);
		expect(rows.map((row: { status: string }) => row.status)).toEqual(['skipped', 'pending']);
	});

	it('writes a batch all or none: a failure leaves no delivery and no window behind to repeat when the batch is written again', async () => {
		const rows = Array.from({ length: 450 }, (_, n) => delivery(n));
		// The third chunk repeats a message id: the batch fails there.
		rows[420] = { ...rows[420]!, message_id: 'msg_10' };
		await expect(store.insert(rows, 5_000_000)).rejects.toThrow();
		expect(await db('webhooks_deliveries').count({ n: '*' })).toEqual([{ n: 0 }]);
		await expect(store.addToWindows([windowEvent(1, [1])], [delivery(1), delivery(2), { ...delivery(3), message_id: 'msg_1' }], 5_000_000)).rejects.toThrow();
		expect(await db('webhooks_deliveries').count({ n: '*' })).toEqual([{ n: 0 }]);
		// Written again without the fault: each once.
		await store.addToWindows([windowEvent(1, [1])], [delivery(1), delivery(2)], 5_000_000);
		expect(await db('webhooks_deliveries').count({ n: '*' })).toEqual([{ n: 3 }]);
	});

	it('lists at most 1,000 entries and 1,000 keys, counting every change and saying it truncated', async () => {
		const alternating = (n: number) => ({ ...windowEvent(1, [n]), entry: { ...windowEvent(1, [n]).entry, event: n % 2 ? 'a.items.update' : 'a.items.create', action: n % 2 ? 'update' as const : 'create' as const } });
		await store.addToWindows(Array.from({ length: 1200 }, (_, n) => alternating(n)), [], 4_000_000);
		let [row] = await windows(1);
		expect(JSON.parse(row.event_data)).toMatchObject({ count: 1200, truncated: true });
		expect(JSON.parse(row.event_data).events).toHaveLength(1000);

		await store.addToWindows([windowEvent(2, Array.from({ length: 900 }, (_, n) => n))], [], 4_000_000);
		await store.addToWindows([windowEvent(2, Array.from({ length: 150 }, (_, n) => n))], [], 4_000_100);
		[row] = await windows(2);
		const data = JSON.parse(row.event_data);
		expect(data.count).toBe(1050);
		expect(data.events.flatMap((entry: { keys: number[] }) => entry.keys)).toHaveLength(1000);
		expect(data.truncated).toBe(true);
	});

	it('counts the queue for metrics: pending, sending, due as claim sees it (an ended lease too), and the oldest due age', async () => {
		const now = Date.now();
		expect(await store.queueDepth(now)).toEqual({ pending: 0, sending: 0, due: 0, oldestDueAgeMs: 0 });
		await store.insert([{ ...delivery(1), next_attempt_at: now - 5_000 }, delivery(2), { ...delivery(3), next_attempt_at: now + 60_000 }], now);
		// Two leased: one lease still running, one whose instance died 3 s ago (claimable again).
		await store.insert([{ ...delivery(4), next_attempt_at: now - 9_000 }, { ...delivery(5), next_attempt_at: now - 1_000 }], now);
		await db('webhooks_deliveries').where('message_id', 'msg_4').update({ status: 'sending', lease_owner: 'gone', lease_until: now - 3_000, next_attempt_at: now - 3_000 });
		await db('webhooks_deliveries').where('message_id', 'msg_5').update({ status: 'sending', lease_owner: 'alive', lease_until: now + 30_000, next_attempt_at: now + 30_000 });
		// Finished rows are not the queue.
		await store.insert([{ ...delivery(6), next_attempt_at: now - 60_000 }], now);
		await db('webhooks_deliveries').where('message_id', 'msg_6').update({ status: 'failed' });

		expect(await store.queueDepth(now)).toEqual({ pending: 3, sending: 2, due: 3, oldestDueAgeMs: 5_000 });
		// What claim takes is exactly what was due.
		expect((await store.claim('me', 10, now + 30_000, [], now)).map((row) => row.message_id).sort()).toEqual(['msg_1', 'msg_2', 'msg_4']);
		expect(await store.queueDepth(now)).toEqual({ pending: 1, sending: 4, due: 0, oldestDueAgeMs: 0 });
	});
});
