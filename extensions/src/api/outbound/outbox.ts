// Turns item events into outbox rows. Events are buffered for a few milliseconds and written
// with one multi-row INSERT, so a batch write of items costs one extra statement, not one
// per item, and nothing on the write path waits for the network.
import { BatchWriter } from '../batch-writer';
import type { DeliveryStore, NewDelivery } from './delivery-store';

interface Logger {
	error(obj: unknown, msg?: string): void;
}

const FLUSH_DELAY_MS = 5;
const MAX_BUFFER = 1000;

export class Outbox {
	private readonly writer: BatchWriter<NewDelivery>;

	constructor(store: DeliveryStore, logger: Logger, onWritten: () => void) {
		this.writer = new BatchWriter({
			maxBatch: MAX_BUFFER,
			delayMs: FLUSH_DELAY_MS,
			write: async (rows) => {
				await store.insert(rows);
				onWritten();
			},
			onError: (error, rows) => logger.error(error, `[webhooks] could not write ${rows.length} deliveries to the outbox`),
		});
	}

	add(rows: NewDelivery[]): void {
		this.writer.add(...rows);
	}

	/** Resolves when everything added so far is in the database. */
	flush(): Promise<void> {
		return this.writer.flush();
	}
}
