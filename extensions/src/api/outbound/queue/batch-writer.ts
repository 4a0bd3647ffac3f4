// Buffers items and writes them in batches: after a short delay, or at once when the batch is
// full; what is added while a write is under way goes in the next one. Writes are serialised so
// they land in order; flush() resolves once everything added
// so far has been written (or its failure reported). With retry delays, a failed batch is
// written again until it succeeds (later batches wait behind it, so order holds) or close().

export interface BatchWriterOptions<T> {
	write: (batch: T[]) => Promise<void>;
	maxBatch: number;
	delayMs: number;
	/** `retryIn`: ms until the batch is written again, or null when it is dropped. */
	onError: (error: unknown, batch: T[], retryIn: number | null) => void;
	/** Called after each batch is written (or its failure reported). */
	afterWrite?: () => void;
	/**
	 * Delays before writing a failed batch again, the last one repeating; each failure is reported
	 * to onError with the delay that follows. Without them a failed batch is reported and dropped.
	 */
	retryDelaysMs?: readonly number[];
}

export class BatchWriter<T> {
	private readonly options: BatchWriterOptions<T>;
	private buffer: T[] = [];
	private timer: NodeJS.Timeout | null = null;
	private writing: Promise<void> = Promise.resolve();
	/** A write is queued and will take the buffer when it starts. */
	private queued = false;
	private unwritten = 0;
	private closing = false;
	/** Ends the wait before a retry at once (close()). */
	private wakeRetry: (() => void) | null = null;

	constructor(options: BatchWriterOptions<T>) {
		this.options = options;
	}

	add(...items: T[]): void {
		this.addAll(items);
	}

	/** Adds a list of any length (a spread of a bulk write's 150,000 items overflows the stack). */
	addAll(items: readonly T[]): void {
		if (items.length === 0) return;
		this.unwritten += items.length;
		for (const item of items) this.buffer.push(item);
		if (this.buffer.length >= this.options.maxBatch) void this.flush();
		else this.timer ??= setTimeout(() => void this.flush(), this.options.delayMs);
	}

	flush(): Promise<void> {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		if (this.buffer.length === 0 || this.queued) return this.writing;
		this.queued = true;
		this.writing = this.writing.then(() => this.writeBuffered());
		return this.writing;
	}

	/**
	 * Takes what is buffered when its turn comes, not when it was queued: under a steady stream of
	 * writes on a busy database (SQLite's one connection) each wait for the database used to queue
	 * a batch of its own, a few rows each, and the backlog grew without end.
	 */
	private async writeBuffered(): Promise<void> {
		this.queued = false;
		const batch = this.buffer.splice(0);
		await this.writeUntilDone(batch);
		this.unwritten -= batch.length;
		this.options.afterWrite?.();
	}

	/** Writes what is buffered; a batch that still fails then is reported and dropped (no more retries). */
	close(): Promise<void> {
		this.closing = true;
		this.wakeRetry?.();
		return this.flush();
	}

	private async writeUntilDone(batch: T[]): Promise<void> {
		const delays = this.options.retryDelaysMs ?? [];
		for (let failures = 0; ; failures++) {
			try {
				await this.options.write(batch);
				return;
			} catch (error) {
				const retryIn = this.closing || delays.length === 0 ? null : delays[Math.min(failures, delays.length - 1)]!;
				this.options.onError(error, batch, retryIn);
				if (retryIn === null) return;
				await new Promise<void>((wake) => {
					const timer = setTimeout(wake, retryIn);
					this.wakeRetry = () => (clearTimeout(timer), wake());
				});
				this.wakeRetry = null;
			}
		}
	}

	/** Items added and not yet written: buffered, or in a write under way. */
	get backlog(): number {
		return this.unwritten;
	}
}
