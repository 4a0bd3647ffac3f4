// The rate limit's shared slots against a real SQLite database (knex, no Directus), and how the
// dispatcher's planner turns them into how many to claim and when each may be sent.
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegisteredWebhook } from '../../extensions/src/api/outbound/config/webhook-registry';
import { ThrottleStore } from '../../extensions/src/api/outbound/queue/throttle-store';
import { LOOKAHEAD_MS, Throttle } from '../../extensions/src/api/outbound/worker/throttle';
import { outboxDatabase } from './outbox-database';

let db: Knex;
let store: ThrottleStore;

beforeEach(async () => {
	db = await outboxDatabase();
	store = new ThrottleStore(db);
	await db('webhooks_outgoing').insert({ id: 1, name: 'limited', url: 'http://x', actions: 'create', collections: 'a' });
});

afterEach(() => db.destroy());

const limited = (rate: number) => ({ id: 1, rateLimitPerSecond: rate }) as RegisteredWebhook;

describe('ThrottleStore', () => {
	it('hands out consecutive slots to consecutive reservations, never the same one twice', async () => {
		const now = 1_000_000_000;
		expect(await store.reserve(1, 3, 50_000, now)).toBe(now);
		expect(await store.reserve(1, 2, 50_000, now)).toBe(now + 150_000);
		expect(await store.reserve(1, 1, 50_000, now + 10)).toBe(now + 250_000);
	});

	it('starts from now after a quiet spell: unused time is not saved up for a burst', async () => {
		await store.reserve(1, 1, 50_000, 1_000_000);
		expect(await store.reserve(1, 1, 50_000, 9_000_000)).toBe(9_000_000);
	});

	it('answers null for a webhook that is gone', async () => {
		expect(await store.reserve(99, 1, 50_000, 1_000_000)).toBeNull();
	});
});

describe('Throttle', () => {
	it('offers the slots within the lookahead, spaces the send times by the interval, and says when to look again', async () => {
		const throttle = new Throttle(store);
		const now = 1_700_000_000_000;
		const room = throttle.room(limited(20), now);
		expect(room).toEqual({ count: Math.floor(LOOKAHEAD_MS / 50) + 1, retryAt: null });
		const times = await throttle.reserve(limited(20), room.count, now);
		expect(times).toEqual(Array.from({ length: room.count }, (_, index) => now + index * 50));
		// Those slots reach past the lookahead: nothing more until the next one comes within it.
		const next = throttle.room(limited(20), now);
		expect(next.count).toBe(0);
		expect(next.retryAt).toBe(now + room.count * 50 - LOOKAHEAD_MS);
	});
});
