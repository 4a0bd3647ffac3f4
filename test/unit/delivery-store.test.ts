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
