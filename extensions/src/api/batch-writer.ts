// Buffers items and writes them in batches: after a short delay, or at once when the batch is
// full. Writes are serialised so they land in order; flush() resolves once everything added
// so far has been written (or its failure reported).

export interface BatchWriterOptions<T> {
	write: (batch: T[]) => Promise<void>;
	maxBatch: number;
	delayMs: number;
	onError: (error: unknown, batch: T[]) => void;
	/** Called after each batch is written (or its failure reported). */
	afterWrite?: () => void;
}

export class BatchWriter<T> {
	private readonly options: BatchWriterOptions<T>;
	private buffer: T[] = [];
	private timer: NodeJS.Timeout | null = null;
	private writing: Promise<void> = Promise.resolve();
	private unwritten = 0;

	constructor(options: BatchWriterOptions<T>) {
		this.options = options;
	}

	add(...items: T[]): void {
		if (items.length === 0) return;
		this.unwritten += items.length;
		this.buffer.push(...items);
		if (this.buffer.length >= this.options.maxBatch) void this.flush();
		else this.timer ??= setTimeout(() => void this.flush(), this.options.delayMs);
	}

	flush(): Promise<void> {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		const batch = this.buffer.splice(0);
		if (batch.length === 0) return this.writing;
		this.writing = this.writing.then(async () => {
			await this.options.write(batch).catch((error) => this.options.onError(error, batch));
			this.unwritten -= batch.length;
			this.options.afterWrite?.();
		});
		return this.writing;
	}

	/**
	 * Removes what is buffered, for the caller to write along with its own statements. Until
	 * settle() the items still count as unwritten.
	 */
	take(): T[] {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		return this.buffer.splice(0);
	}

	/** Ends a take(): the items were written, or they go back to be written here. */
	settle(items: T[], written: boolean): void {
		if (items.length === 0) return;
		this.unwritten -= items.length;
		if (written) this.options.afterWrite?.();
		else this.add(...items);
	}

	/** Items added and not yet written: buffered, taken, or in a write under way. */
	get backlog(): number {
		return this.unwritten;
	}
}
