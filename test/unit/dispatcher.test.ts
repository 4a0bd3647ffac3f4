// The dispatcher with the real outbox SQL (SQLite), real HTTP and a real local receiver; only the
// webhook registry is a fixed list here (no Directus).
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryStore } from '../../extensions/src/api/outbound/queue/delivery-store';
import { Dispatcher } from '../../extensions/src/api/outbound/worker/dispatcher';
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
		id: 1, name: 'test', method: 'POST', url, active: true, data: true, actions: ['create'], collections: ['a'], headers: [], filter: null,
		watchFields: [], fields: [], payload: 'event', itemRole: null, includePrevious: false, secrets: [generateSecret()], failingSince: null, owners: [],
	};
}

beforeEach(async () => {
	warnings.length = 0;
	db = await outboxDatabase();
	store = new DeliveryStore(db);
	receiver = await Receiver.start();
	sender = new HttpSender({ guard: new SsrfGuard({ allowList: '127.0.0.1' }) });
	const hook = webhook(receiver.url());
	dispatcher = new Dispatcher({
		store,
		registry: { get: (id: number) => (id === hook.id ? hook : undefined) } as WebhookRegistry,
		// Event payloads of admin-owned webhooks are built from the outbox row alone: no Directus services needed.
		builder: new MessageBuilder({} as never, {} as never),
		sender,
		health: { disable: async () => {}, failed: async () => {}, succeeded: async () => {} },
		options: { concurrency: 4, perWebhook: 2, timeoutMs: TIMEOUT_MS, pollMs: 50, schedule: [1000], maxResponseBytes: 1024 },
		logger: { warn: (error) => warnings.push(error), error: (error) => warnings.push(error) },
	});
});

afterEach(async () => {
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
		const now = Date.now();
		const [short] = await store.insert([delivery(1)], now, { owner: dispatcher.owner, until: now + TIMEOUT_MS / 2, leased: [true] });
		const [long] = await store.insert([delivery(2)], now, { owner: dispatcher.owner, until: now + 60_000, leased: [true] });
		dispatcher.adopt([short!, long!]);
		await until(() => statusOf('msg_2'), (row) => row.status === 'succeeded');
		expect(receiver.requests.map((request) => request.headers['webhook-id'])).toEqual(['msg_2']);
		expect(await statusOf('msg_1')).toMatchObject({ status: 'pending', lease_owner: null, lease_until: null, attempts: 0 });
		expect(await statusOf('msg_2')).toMatchObject({ status: 'succeeded', attempts: 1 });

		dispatcher.start();
		await receiver.waitFor(2);
		await dispatcher.stop();
		expect(receiver.requests.map((request) => request.headers['webhook-id'])).toEqual(['msg_2', 'msg_1']);
		expect(await statusOf('msg_1')).toMatchObject({ status: 'succeeded', attempts: 1 });
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
		let outbox: Outbox;
		let recordCalls: number;
		let sent: Promise<void>;

		beforeEach(() => {
			outbox = new Outbox(store, { warn: (error) => warnings.push(error), error: (error) => warnings.push(error) }, dispatcher);
			recordCalls = 0;
			const record = store.record.bind(store);
			store.record = async (...args) => {
				recordCalls++;
				return record(...args);
			};
			// Resolves once the first send's result is back with the dispatcher (its outcome pushed).
			const send = sender.send.bind(sender);
			let resolveSent!: () => void;
			sent = new Promise((resolve) => (resolveSent = resolve));
			sender.send = async (request) => {
				const result = await send(request);
				setImmediate(resolveSent);
				return result;
			};
			dispatcher.start();
		});

		it('records waiting outcomes in the transaction of its next insert', async () => {
			outbox.add([delivery(1)]);
			await sent;
			outbox.add([delivery(2)]);
			await outbox.flush();
			// Well within the dispatcher's own recording delay, and without it.
			expect(await statusOf('msg_1')).toMatchObject({ status: 'succeeded', attempts: 1, lease_owner: null });
			expect(recordCalls).toBe(0);
			await receiver.waitFor(2);
			expect(warnings).toEqual([]);
		});

		it('keeps a batch whose insert fails (the table is missing for a while) and writes it, in order, once it can', async () => {
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

		it('still writes the new rows when that transaction fails, and records the outcomes on its own', async () => {
			const insert = store.insert.bind(store);
			store.insert = async (rows, now, lease, record) => {
				if (record) throw new Error('the attempts table is gone');
				return insert(rows, now, lease);
			};
			outbox.add([delivery(1)]);
			await sent;
			outbox.add([delivery(2)]);
			await outbox.flush();
			expect(await statusOf('msg_2')).toBeDefined();
			await until(() => statusOf('msg_1'), (row) => row.status === 'succeeded');
			expect(recordCalls).toBeGreaterThan(0);
			await receiver.waitFor(2);
			await until(() => statusOf('msg_2'), (row) => row.status === 'succeeded');
			expect(String(warnings[0])).toContain('the attempts table is gone');
		});
	});
});
