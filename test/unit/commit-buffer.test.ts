import { describe, expect, it } from 'vitest';
import { CommitBuffer } from '../../extensions/src/api/outbound/capture/commit-buffer';
import type { DeliveryStore, NewDelivery } from '../../extensions/src/api/outbound/queue/delivery-store';
import type { OutboxEntry } from '../../extensions/src/api/outbound/queue/outbox';

const row = (id: string): NewDelivery => ({ webhook: 1, message_id: id, event: 'a.items.create', collection: 'a', item_key: id, event_data: {} });

/** A transaction as knex hands it to filters: commit() is what knex calls once the work resolves. */
function transaction() {
	const log: string[] = [];
	let settle!: (ok: boolean) => void;
	const executionPromise = new Promise<void>((resolve, reject) => (settle = (ok) => (ok ? resolve() : reject(new Error('rolled back')))));
	executionPromise.catch(() => undefined);
	const trx = {
		isTransaction: true,
		executionPromise,
		commit: async () => {
			log.push('COMMIT');
			settle(true);
		},
	};
	return { trx: trx as never, log, raw: trx, settle };
}

function store(log: string[], fail: boolean | Error = false) {
	return {
		addWithin: async (_trx: unknown, windows: unknown[], deliveries: NewDelivery[]) => {
			if (fail instanceof Error) throw fail;
			if (fail) throw new Error('outbox full');
			log.push(`INSERT ${deliveries.map((delivery) => delivery.message_id).join(',')}${windows.length ? ` +${windows.length} windows` : ''}`);
		},
		removeWithin: async (_trx: unknown, ids: string[]) => void log.push(`DELETE ${ids.join(',')}`),
	} as unknown as DeliveryStore;
}

describe('CommitBuffer', () => {
	it('writes all rows of a transaction in one INSERT right before its COMMIT', async () => {
		const { trx, log, raw } = transaction();
		const buffer = new CommitBuffer(store(log), () => log.push('late'), { error: () => undefined });
		await buffer.add(trx, [], [row('1')]);
		await buffer.add(trx, [], [row('2'), row('3')]);
		expect(log).toEqual([]);
		await raw.commit();
		await Promise.resolve();
		expect(log).toEqual(['INSERT 1,2,3', 'COMMIT']);
	});

	it('does not commit when the rows cannot be written: the change fails with them', async () => {
		const { trx, log, raw } = transaction();
		const buffer = new CommitBuffer(store(log, true), () => log.push('late'), { error: () => undefined });
		await buffer.add(trx, [], [row('1')]);
		await expect(raw.commit()).rejects.toThrow('its webhook deliveries could not be recorded');
		expect(log).toEqual([]);
	});

	it('passes a deadlock on as the database raised it, so Directus runs the whole transaction again instead of answering 503', async () => {
		for (const deadlock of [Object.assign(new Error('Deadlock found when trying to get lock'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 }), Object.assign(new Error('deadlock detected'), { code: '40P01' })]) {
			const { trx, log, raw } = transaction();
			const errors: unknown[] = [];
			const buffer = new CommitBuffer(store(log, deadlock), () => log.push('late'), { error: (error: unknown) => errors.push(error) });
			await buffer.add(trx, [], [row('1')]);
			await expect(raw.commit()).rejects.toBe(deadlock);
			expect(log).toEqual([]);
			// Not an outage: nothing logged as one.
			expect(errors).toEqual([]);
		}
	});

	it('drops folded rows still buffered and deletes only those already written', async () => {
		const { trx, log, raw } = transaction();
		const buffer = new CommitBuffer(store(log), () => log.push('late'), { error: () => undefined });
		await buffer.add(trx, [], [row('1'), row('2')]);
		await buffer.remove(trx, ['1', '9']);
		await raw.commit();
		expect(log).toEqual(['DELETE 9', 'INSERT 2', 'COMMIT']);
	});

	it('writes at once without a commit to wrap, and hands rows of a transaction that committed around the wrapper to the outbox', async () => {
		const log: string[] = [];
		const late: OutboxEntry[] = [];
		await new CommitBuffer(store(log), (entries) => late.push(...entries), { error: () => undefined }).add({ isTransaction: true } as never, [], [row('1')]);
		expect(log).toEqual(['INSERT 1']);

		const { trx, settle } = transaction();
		const buffer = new CommitBuffer(store(log), (entries) => late.push(...entries), { error: () => undefined });
		await buffer.add(trx, [], [row('2')]);
		settle(true);
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(late.map((entry) => (entry as NewDelivery).message_id)).toEqual(['2']);
	});

	it('forgets the rows of a transaction that rolled back', async () => {
		const { trx, settle } = transaction();
		const late: OutboxEntry[] = [];
		const buffer = new CommitBuffer(store([]), (entries) => late.push(...entries), { error: () => undefined });
		await buffer.add(trx, [], [row('1')]);
		settle(false);
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(late).toEqual([]);
	});
});
