// Turns item events into outbox rows. Events are buffered for a few milliseconds and written
// with one multi-row INSERT, so a batch write of items costs one extra statement, not one
// per item, and nothing on the write path waits for the network.
import { BatchWriter } from './batch-writer';
import type { ClaimedDelivery, DeliveryStore, Lease, NewDelivery } from './delivery-store';
import type { Dispatcher } from '../worker/dispatcher';
import type { Logger } from '../../lib/logger';

const FLUSH_DELAY_MS = 5;
const MAX_BUFFER = 1000;
// A failed insert (database restarting, locked, full) is tried again while the process lives: events
// are kept in memory meanwhile, in order, and new ones still accepted (the app's writes must not fail
// because its webhooks cannot be recorded). Only a process exit in that state loses them.
const RETRY_DELAYS_MS = [200, 500, 1000, 2000, 5000, 10_000];

export class Outbox {
	private readonly writer: BatchWriter<NewDelivery>;

	private readonly store: DeliveryStore;
	private readonly logger: Pick<Logger, 'warn' | 'error'>;
	private readonly dispatcher: Dispatcher;

	/**
	 * With a running local dispatcher, rows it has room for are handed to it as they are written,
	 * and its outcomes waiting to be recorded are written in the same transaction.
	 */
	constructor(store: DeliveryStore, logger: Pick<Logger, 'warn' | 'error'>, dispatcher: Dispatcher) {
		this.store = store;
		this.logger = logger;
		this.dispatcher = dispatcher;
		this.writer = new BatchWriter({
			maxBatch: MAX_BUFFER,
			delayMs: FLUSH_DELAY_MS,
			write: (rows) => this.write(rows),
			retryDelaysMs: RETRY_DELAYS_MS,
			onError: (error, rows, retryIn) =>
				logger.error(
					error,
					retryIn === null
						? `[webhooks] could not write ${rows.length} deliveries to the outbox while shutting down: they are lost`
						: `[webhooks] could not write ${rows.length} deliveries to the outbox; trying again in ${retryIn} ms (${this.writer.backlog} events waiting in memory)`,
				),
		});
	}

	private async write(rows: NewDelivery[]): Promise<void> {
		const dispatcher = this.dispatcher;
		const webhooks = rows.map((row) => row.webhook);
		const leased = this.store.leasesOnInsert ? dispatcher.reserve(webhooks) : webhooks.map(() => false);
		let taken;
		try {
			taken = await this.insert(rows, { owner: dispatcher.owner, until: Date.now() + dispatcher.leaseMs, leased });
		} finally {
			dispatcher.forfeit(webhooks.filter((_, index) => leased[index]));
		}
		dispatcher.adopt(taken);
		if (taken.length < rows.length) dispatcher.wake();
	}

	private async insert(rows: NewDelivery[], lease: Lease): Promise<ClaimedDelivery[]> {
		const outcomes = this.dispatcher.takeOutcomes();
		if (outcomes.length === 0) return this.store.insert(rows, Date.now(), lease);
		try {
			const taken = await this.store.insert(rows, Date.now(), lease, { owner: this.dispatcher.owner, outcomes });
			this.dispatcher.settleOutcomes(outcomes, true);
			return taken;
		} catch (error) {
			// Whatever failed, the new rows must not go down with it: they are written alone, and
			// the outcomes go back to the dispatcher's own recording.
			this.dispatcher.settleOutcomes(outcomes, false);
			this.logger.warn(error, `[webhooks] could not write ${rows.length} deliveries with ${outcomes.length} outcomes; writing them apart`);
			return this.store.insert(rows, Date.now(), lease);
		}
	}

	add(rows: NewDelivery[]): void {
		this.writer.add(...rows);
	}

	/** Resolves when everything added so far is in the database. */
	flush(): Promise<void> {
		return this.writer.flush();
	}

	/** On shutdown: writes what is waiting, with one more try for a batch that keeps failing. */
	close(): Promise<void> {
		return this.writer.close();
	}
}
