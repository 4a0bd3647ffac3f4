// The outbox rows of one transaction, written in one go just before it commits. A batch write of
// 100 items records 100 activity rows, one at a time; an INSERT for each of them cost a fifth of
// the write throughput on SQLite, where one multi-row INSERT (or one window update) per
// transaction costs what the after-commit outbox did. knex commits a transaction through its own
// `commit` once the transaction's work resolves: that call is wrapped on the transaction object
// (see docs/architecture.md), so the rows are in before the COMMIT, and a failed write of them
// rolls the item change back with them. Without a `commit` to wrap, rows are written at once; should
// a transaction ever commit without calling it, its rows go to the after-commit outbox instead.
import type { Knex } from 'knex';
import type { DeliveryStore, NewDelivery } from '../queue/delivery-store';
import type { WindowEvent } from '../queue/debounce-window';
import type { OutboxEntry } from '../queue/outbox';
import { OutboxUnavailableError } from '../../lib/errors';
import { isDeadlock } from '../../db/lock-conflicts';
import type { Logger } from '../../lib/logger';

interface Pending {
	deliveries: NewDelivery[];
	windows: WindowEvent[];
}

export class CommitBuffer {
	private readonly store: DeliveryStore;
	private readonly pending = new WeakMap<Knex.Transaction, Pending>();
	private readonly afterCommit: (entries: OutboxEntry[]) => void;
	private readonly logger: Pick<Logger, 'error'>;

	/** `afterCommit`: the outbox's buffer, for rows of a transaction that committed around the wrapper. */
	constructor(store: DeliveryStore, afterCommit: (entries: OutboxEntry[]) => void, logger: Pick<Logger, 'error'>) {
		this.store = store;
		this.afterCommit = afterCommit;
		this.logger = logger;
	}

	async add(trx: Knex.Transaction, windows: WindowEvent[], deliveries: NewDelivery[]): Promise<void> {
		let pending = this.pending.get(trx);
		if (!pending) {
			if (!this.writeBeforeCommit(trx)) return this.write(trx, windows, deliveries);
			this.pending.set(trx, (pending = { deliveries: [], windows: [] }));
		}
		for (const delivery of deliveries) pending.deliveries.push(delivery);
		for (const window of windows) pending.windows.push(window);
	}

	/** Drops these rows of the transaction; removes from the table those already written. */
	async remove(trx: Knex.Transaction, messageIds: string[]): Promise<void> {
		const ids = new Set(messageIds);
		const pending = this.pending.get(trx);
		if (pending) {
			pending.deliveries = pending.deliveries.filter((delivery) => !ids.delete(delivery.message_id));
			if (ids.size === 0) return;
		}
		await this.store.removeWithin(trx, [...ids]);
	}

	/**
	 * The caller gets a 503 that names what failed, not the database's error (its SQL holds the rows).
	 * A deadlock is passed on as it is: Directus runs a transaction that lost one again as a whole
	 * (two writes opening one debounce window at once on MariaDB do), and a 503 would stop that.
	 */
	private async write(trx: Knex.Transaction, windows: WindowEvent[], deliveries: NewDelivery[]): Promise<void> {
		try {
			await this.store.addWithin(trx, windows, deliveries);
		} catch (error) {
			if (isDeadlock(error)) throw error;
			this.logger.error(error, `[webhooks] could not record ${deliveries.length + windows.length} deliveries of a write: the write is rolled back`);
			throw new OutboxUnavailableError();
		}
	}

	private writeBeforeCommit(trx: Knex.Transaction): boolean {
		const commit = trx.commit;
		if (typeof commit !== 'function') return false;
		trx.commit = (async (value?: unknown) => {
			const pending = this.pending.get(trx);
			this.pending.delete(trx);
			if (pending && pending.deliveries.length + pending.windows.length > 0) await this.write(trx, pending.windows, pending.deliveries);
			return commit.call(trx, value);
		}) as typeof commit;
		trx.executionPromise?.then(
			() => {
				const left = this.pending.get(trx);
				this.pending.delete(trx);
				if (left) this.afterCommit([...left.deliveries, ...left.windows]);
			},
			() => this.pending.delete(trx),
		);
		return true;
	}
}
