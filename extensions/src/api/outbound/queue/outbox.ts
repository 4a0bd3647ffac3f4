// Turns item events recorded after their write's commit (untracked writes, uploads, promotes; see
// capture/transaction-capture for the others) into outbox rows. Events are buffered for a few
// milliseconds and written with one multi-row INSERT, so a batch write of items costs one extra statement, not one
// per item, and nothing on the write path waits for the network. The outbox knows nothing of
// who sends: after each insert it only signals that new work is there.
import { BatchWriter } from './batch-writer';
import type { DeliveryStore, NewDelivery } from './delivery-store';
import { isWindowEvent, type WindowEvent } from './debounce-window';
import type { Logger } from '../../lib/logger';

const FLUSH_DELAY_MS = 5;
const MAX_BUFFER = 1000;
// A failed insert (database restarting, locked, full) is tried again while the process lives: events
// are kept in memory meanwhile, in order, and new ones still accepted (these writes are committed
// already). Only a process exit in that state loses them.
const RETRY_DELAYS_MS = [200, 500, 1000, 2000, 5000, 10_000];

/** A delivery of its own, or an event for a debounced webhook's window. */
export type OutboxEntry = NewDelivery | WindowEvent;

export class Outbox {
	private readonly writer: BatchWriter<OutboxEntry>;

	/** `onNewWork` runs after each batch of rows is in the database (the local dispatcher's wake-up). */
	constructor(store: DeliveryStore, logger: Pick<Logger, 'error'>, onNewWork: () => void) {
		this.writer = new BatchWriter({
			maxBatch: MAX_BUFFER,
			delayMs: FLUSH_DELAY_MS,
			write: async (entries) => {
				const windows = entries.filter(isWindowEvent);
				if (windows.length === 0) await store.insert(entries as NewDelivery[]);
				else await store.addToWindows(windows, entries.filter((entry): entry is NewDelivery => !isWindowEvent(entry)));
				onNewWork();
			},
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

	add(entries: OutboxEntry[]): void {
		this.writer.addAll(entries);
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
