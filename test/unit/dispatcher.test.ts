// The dispatcher with the real outbox SQL (SQLite), real HTTP and a real local receiver; only the
// webhook registry is a fixed list here (no Directus).
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeliveryStore } from '../../extensions/src/api/outbound/queue/delivery-store';
import { Dispatcher, type DispatcherOptions } from '../../extensions/src/api/outbound/worker/dispatcher';
import { HttpSender } from '../../extensions/src/api/outbound/transport/http-sender';
import { MessageBuilder } from '../../extensions/src/api/outbound/worker/message-builder';
import { Outbox } from '../../extensions/src/api/outbound/queue/outbox';
import { generateSecret } from '../../extensions/src/api/outbound/transport/signing';
import { SsrfGuard } from '../../extensions/src/api/outbound/transport/ssrf-guard';
import type { RegisteredWebhook, WebhookRegistry } from '../../extensions/src/api/outbound/config/webhook-registry';
import { Receiver } from '../harness/receiver';
import { until } from '../harness/wait';
import { outboxDatabase } from './outbox-database';

const TIMEOUT_MS = 1000;

let db: Knex;
let store: DeliveryStore;
let receiver: Receiver;
let sender: HttpSender;
let dispatcher: Dispatcher;
const warnings: unknown[] = [];

function webhook(url: string): RegisteredWebhook {
	return {
		id: 1, name: 'test', method: 'POST', url, active: true, data: true, actions: ['create'], collections: ['a'], headers: [], filter: null, previousFilter: null,
		watchFields: [], fields: [], payload: 'event', itemRole: null, includePrevious: false, groupNested: false, recordWhileInactive: true, bodyTemplate: null, contentType: 'application/json', debounceSeconds: 0, debounceMaxSeconds: 0, secrets: [generateSecret()], failingSince: null, owners: [], rateLimitPerSecond: null, ordered: false,
	};
}

beforeEach(async () => {
	warnings.length = 0;
	db = await outboxDatabase();
	store = new DeliveryStore(db);
	receiver = await Receiver.start();
	sender = new HttpSender({ guard: new SsrfGuard({ allowList: '127.0.0.1' }) });
	dispatcher = newDispatcher();
});

function newDispatcher(options: Partial<DispatcherOptions> = {}): Dispatcher {
	const hook = webhook(receiver.url());
	return new Dispatcher({
		store,
		registry: { get: (id: number) => (id === hook.id ? hook : undefined), limited: () => [], hasOrdered: () => false } as unknown as WebhookRegistry,
		// Event payloads of admin-owned webhooks are built from the outbox row alone: no Directus services needed.
		builder: new MessageBuilder({} as never, {} as never),
		sender,
		health: { disable: async () => {}, failed: async () => {}, succeeded: async () => {} },
		options: { concurrency: 4, perWebhook: 2, timeoutMs: TIMEOUT_MS, pollMs: 50, schedule: [1000], maxResponseBytes: 1024, ...options },
		logger: { warn: (error) => warnings.push(error), error: (error) => warnings.push(error) },
	});
}

afterEach(async () => {
	vi.useRealTimers();
	await dispatcher.stop();
	sender.close();
	await receiver.close();
	await db.destroy();
});

const delivery = (n: number) => ({ webhook: 1, message_id: `msg_${n}`, event: 'a.items.create', collection: 'a', item_key: String(n), event_data: { event: 'a.items.create', key: n } });
const statusOf = async (messageId: string) => (await db('webhooks_deliveries').where({ message_id: messageId }).first()) as Record<string, unknown>;

/**
 * Watches the dispatcher's polls: `quiet(n)` resolves once n polls in a row found it with no claim
 * started since the last one and nothing claiming or sending (it holds back), however long a busy
 * machine makes each poll. Install before start().
 */
function pollWatcher(): { quiet: (polls: number) => Promise<void> } {
	let claims = 0;
	let busy = 0;
	const claim = store.claim.bind(store);
	store.claim = async (...args) => {
		claims++;
		busy++;
		try {
			return await claim(...args);
		} finally {
			busy--;
		}
	};
	const send = sender.send.bind(sender);
	sender.send = async (request) => {
		busy++;
		try {
			return await send(request);
		} finally {
			busy--;
		}
	};
	let onPoll = () => {};
	const wake = dispatcher.wake.bind(dispatcher);
	dispatcher.wake = () => {
		onPoll();
		wake();
	};
	return {
		quiet: (polls) =>
			new Promise((resolve) => {
				let quiet = 0;
				let seen = claims;
				onPoll = () => {
					quiet = busy === 0 && claims === seen ? quiet + 1 : 0;
					seen = claims;
					if (quiet < polls) return;
					onPoll = () => {};
					resolve();
				};
			}),
	};
}

describe('Dispatcher', () => {
	it('gives back, unsent, a held delivery whose lease could end during the send; it is sent once under a new lease', async () => {
		// The clock stands still unless the test moves it; timers stay real.
		vi.useFakeTimers({ toFake: ['Date'] });
		let answer!: () => void;
		const answered = new Promise<void>((resolve) => (answer = resolve));
		receiver.respond(async () => (await answered, { status: 200 }));
		const released: number[] = [];
		const release = store.release.bind(store);
		store.release = async (owner, ids, now) => (released.push(...ids), release(owner, ids, now));
		await store.insert([delivery(1), delivery(2), delivery(3)]);
		dispatcher.start();
		// Two in flight (the webhook's limit), the third held behind them.
		await receiver.waitFor(2);
		const third = await statusOf('msg_3');
		expect(third).toMatchObject({ status: 'sending', lease_owner: dispatcher.owner });
		// Half a timeout before the leases end: the held delivery could not be sent within its lease.
		vi.setSystemTime(Number(third.lease_until) - TIMEOUT_MS / 2);
		answer();
		await receiver.waitFor(3);
		expect(released).toEqual([third.id]);
		expect(receiver.requests.map((request) => request.headers['webhook-id'])).toEqual(['msg_1', 'msg_2', 'msg_3']);
		await dispatcher.stop();
		expect(await statusOf('msg_3')).toMatchObject({ status: 'succeeded', attempts: 1 });
		expect(Number((await db('webhooks_attempts').where({ delivery: third.id }).count({ n: '*' }))[0]!.n)).toBe(1);
		expect(warnings).toEqual([]);
	});

	it('drains a backlog larger than any claim, each delivery once', async () => {
		await store.insert(Array.from({ length: 300 }, (_, n) => delivery(n)));
		dispatcher.start();
		await receiver.waitFor(300, 20_000);
		await dispatcher.stop();
		expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(300);
		expect(receiver.requests).toHaveLength(300);
		expect(await db('webhooks_deliveries').whereNot({ status: 'succeeded' }).count({ n: '*' })).toEqual([{ n: 0 }]);
	});

	it('stops sending while its outcomes cannot be recorded, and resumes when the database catches up', { timeout: 30_000 }, async () => {
		const total = 240;
		let open!: () => void;
		const recorded = new Promise<void>((resolve) => (open = resolve));
		const record = store.record.bind(store);
		store.record = async (...args) => {
			await recorded;
			return record(...args);
		};
		await store.insert(Array.from({ length: total }, (_, n) => delivery(n)));
		const polls = pollWatcher();
		dispatcher.start();
		try {
			// Unrecorded outcomes keep their rows leased: a crash now would send them all again.
			// It stalls, or a quarter of the rows goes out and fails the bound below.
			await Promise.race([polls.quiet(5), receiver.waitFor(total / 4).catch(() => undefined)]);
			const sent = receiver.requests.length;
			expect(sent).toBeGreaterThan(0);
			expect(sent).toBeLessThan(total / 4);
			// A stall, not a pause: five more polls send nothing, and every sent row is still leased.
			await polls.quiet(5);
			expect(receiver.requests.length).toBe(sent);
			expect(Number((await db('webhooks_deliveries').where({ status: 'sending' }).count({ n: '*' }))[0]!.n)).toBeGreaterThanOrEqual(sent);
		} finally {
			open();
		}
		await receiver.waitFor(total, 20_000);
		await until(async () => Number((await db('webhooks_deliveries').where({ status: 'succeeded' }).count({ n: '*' }))[0]!.n), (n) => n === total);
		expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(total);
	});

	describe('with the outbox', () => {
		const newOutbox = () => new Outbox(store, { error: (error) => warnings.push(error) }, () => dispatcher.wake());

		it('claims new rows as soon as the outbox signals them, without waiting for its poll', async () => {
			dispatcher = newDispatcher({ pollMs: 60_000 });
			const outbox = newOutbox();
			let firstClaim!: () => void;
			const claimed = new Promise<void>((resolve) => (firstClaim = resolve));
			const claim = store.claim.bind(store);
			store.claim = async (...args) => {
				const rows = await claim(...args);
				firstClaim();
				return rows;
			};
			dispatcher.start();
			// The start's own claim found nothing; the next poll is a minute away: only the signal can bring the rows.
			await claimed;
			outbox.add([delivery(1), delivery(2)]);
			await receiver.waitFor(2, 3_000);
			expect(receiver.requests.map((request) => request.headers['webhook-id']).sort()).toEqual(['msg_1', 'msg_2']);
		});

		it('keeps a batch whose insert fails (the table is missing for a while) and writes it, in order, once it can', async () => {
			const outbox = newOutbox();
			dispatcher.start();
			await db.schema.renameTable('webhooks_deliveries', 'webhooks_deliveries_away');
			for (let n = 1; n <= 5; n++) outbox.add([delivery(n)]);
			// The next rows come once the first insert has failed: a batch of their own, behind it.
			await until(async () => warnings.length, (count) => count >= 1, 5_000);
			outbox.add([delivery(6), delivery(7)]);
			// Several failed inserts: the first retries come after 200 and 500 ms.
			await until(async () => warnings.length, (count) => count >= 2, 5_000);
			await db.schema.renameTable('webhooks_deliveries_away', 'webhooks_deliveries');
			await outbox.flush();
			const rows: { message_id: string }[] = await db('webhooks_deliveries').orderBy('id').select('message_id');
			expect(rows.map((row) => row.message_id)).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `msg_${n}`));
			await receiver.waitFor(7, 20_000);
			await until(async () => Number((await db('webhooks_deliveries').where({ status: 'succeeded' }).count({ n: '*' }))[0]!.n), (n) => n === 7);
			expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(7);
			expect(receiver.requests).toHaveLength(7);
			expect(warnings.map(String).join('\n')).toContain('no such table');
		});
	});
});
