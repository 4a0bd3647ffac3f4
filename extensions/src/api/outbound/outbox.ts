// Turns item events into outbox rows. Events are buffered for a few milliseconds and written
// with one multi-row INSERT, so a batch write of items costs one extra statement, not one
// per item, and nothing on the write path waits for the network.
import { BatchWriter } from '../batch-writer';
import type { DeliveryStore, NewDelivery } from './delivery-store';
import type { Dispatcher } from './dispatcher';

interface Logger {
	error(obj: unknown, msg?: string): void;
}

const FLUSH_DELAY_MS = 5;
const MAX_BUFFER = 1000;

export class Outbox {
	private readonly writer: BatchWriter<NewDelivery>;

	/** With a running local dispatcher, rows it has room for are handed to it as they are written. */
	constructor(store: DeliveryStore, logger: Logger, dispatcher: Dispatcher) {
		this.writer = new BatchWriter({
			maxBatch: MAX_BUFFER,
			delayMs: FLUSH_DELAY_MS,
			write: async (rows) => {
				const webhooks = rows.map((row) => row.webhook);
				const leased = store.leasesOnInsert ? dispatcher.reserve(webhooks) : webhooks.map(() => false);
				let taken;
				try {
					taken = await store.insert(rows, Date.now(), { owner: dispatcher.owner, until: Date.now() + dispatcher.leaseMs, leased });
				} finally {
					dispatcher.forfeit(webhooks.filter((_, index) => leased[index]));
				}
				dispatcher.adopt(taken);
				if (taken.length < rows.length) dispatcher.wake();
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
