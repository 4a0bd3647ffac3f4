// Turns item events into outbox rows. Events are buffered for a few milliseconds and written
// with one multi-row INSERT, so a batch write of items costs one extra statement, not one
// per item, and nothing on the write path waits for the network.
import type { DeliveryStore, NewDelivery } from './delivery-store';

interface Logger {
	error(obj: unknown, msg?: string): void;
}

const FLUSH_DELAY_MS = 5;
const MAX_BUFFER = 1000;

export class Outbox {
	private readonly store: DeliveryStore;
	private readonly logger: Logger;
	private readonly onWritten: () => void;
	private buffer: NewDelivery[] = [];
	private timer: NodeJS.Timeout | null = null;
	private writing: Promise<void> = Promise.resolve();

	constructor(store: DeliveryStore, logger: Logger, onWritten: () => void) {
		this.store = store;
		this.logger = logger;
		this.onWritten = onWritten;
	}

	add(rows: NewDelivery[]): void {
		if (rows.length === 0) return;
		this.buffer.push(...rows);
		if (this.buffer.length >= MAX_BUFFER) void this.flush();
		else this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
	}

	/** Writes what is buffered; resolves when everything added so far is in the database. */
	flush(): Promise<void> {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		const rows = this.buffer.splice(0);
		if (rows.length === 0) return this.writing;
		this.writing = this.writing.then(async () => {
			try {
				await this.store.insert(rows);
				this.onWritten();
			} catch (error) {
				this.logger.error(error, `[webhooks] could not write ${rows.length} deliveries to the outbox`);
			}
		});
		return this.writing;
	}
}
