import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchWriter } from '../../extensions/src/api/outbound/queue/batch-writer';
import type { DeliveryStore } from '../../extensions/src/api/outbound/queue/delivery-store';
import { Outbox } from '../../extensions/src/api/outbound/queue/outbox';

afterEach(() => {
	vi.useRealTimers();
});

describe('BatchWriter', () => {
	it('writes after the delay, in one batch', async () => {
		vi.useFakeTimers();
		const batches: number[][] = [];
		const writer = new BatchWriter<number>({ maxBatch: 100, delayMs: 20, write: async (batch) => void batches.push(batch), onError: () => undefined });
		writer.add(1, 2);
		await vi.advanceTimersByTimeAsync(19);
		writer.add(3);
		expect(batches).toEqual([]);
		await vi.advanceTimersByTimeAsync(1);
		expect(batches).toEqual([[1, 2, 3]]);
	});

	it('writes at once when the batch is full, and keeps batches in order', async () => {
		const batches: number[][] = [];
		let release!: () => void;
		const gate = new Promise<void>((done) => (release = done));
		const writer = new BatchWriter<number>({
			maxBatch: 2,
			delayMs: 10_000,
			write: async (batch) => {
				if (batches.length === 0) await gate;
				batches.push(batch);
			},
			onError: () => undefined,
		});
		writer.add(1, 2);
		// The first write has started (and waits) before the next items come.
		await Promise.resolve();
		writer.add(3, 4);
		const flushed = writer.flush();
		release();
		await flushed;
		expect(batches).toEqual([[1, 2], [3, 4]]);
	});

	it('puts everything added while a write waits for the database into the next batch, not a batch per delay', async () => {
		vi.useFakeTimers();
		const batches: number[][] = [];
		let release!: () => void;
		const gate = new Promise<void>((done) => (release = done));
		const writer = new BatchWriter<number>({
			maxBatch: 1000,
			delayMs: 5,
			write: async (batch) => {
				if (batches.length === 0) await gate;
				batches.push(batch);
			},
			onError: () => undefined,
		});
		writer.add(0);
		await vi.advanceTimersByTimeAsync(5);
		// A steady stream while the first write is stuck behind other queries: 100 delays' worth.
		for (let item = 1; item <= 100; item++) {
			writer.add(item);
			await vi.advanceTimersByTimeAsync(5);
		}
		release();
		await writer.flush();
		expect(batches).toEqual([[0], Array.from({ length: 100 }, (_, index) => index + 1)]);
		expect(writer.backlog).toBe(0);
	});

	it('reports a failed batch and goes on with the next', async () => {
		const failed: number[][] = [];
		const written: number[][] = [];
		const writer = new BatchWriter<number>({
			maxBatch: 10,
			delayMs: 5,
			write: async (batch) => {
				if (batch.includes(1)) throw new Error('boom');
				written.push(batch);
			},
			onError: (_error, batch) => failed.push(batch),
		});
		writer.add(1);
		await writer.flush();
		writer.add(2);
		await writer.flush();
		expect(failed).toEqual([[1]]);
		expect(written).toEqual([[2]]);
	});

	it('counts items not yet written as backlog, and calls afterWrite once a batch is down', async () => {
		let release!: () => void;
		const gate = new Promise<void>((done) => (release = done));
		const seen: number[] = [];
		const writer: BatchWriter<number> = new BatchWriter<number>({
			maxBatch: 2,
			delayMs: 10_000,
			write: async () => {
				await gate;
			},
			onError: () => undefined,
			afterWrite: () => seen.push(writer.backlog),
		});
		writer.add(1, 2, 3);
		expect(writer.backlog).toBe(3);
		const flushed = writer.flush();
		expect(writer.backlog).toBe(3);
		release();
		await flushed;
		expect(writer.backlog).toBe(0);
		expect(seen).toEqual([0]);
	});

	it('a failed write leaves the backlog too (the failure is reported, not retried forever)', async () => {
		const errors: number[][] = [];
		const writer = new BatchWriter<number>({ maxBatch: 10, delayMs: 1, write: async () => Promise.reject(new Error('down')), onError: (_, batch) => errors.push(batch) });
		writer.add(1, 2);
		await writer.flush();
		expect(errors).toEqual([[1, 2]]);
		expect(writer.backlog).toBe(0);
	});

	it('with retry delays, writes a failed batch again until it succeeds, later batches waiting behind it in order', async () => {
		const written: number[][] = [];
		const retries: (number | null)[] = [];
		let failures = 3;
		const writer = new BatchWriter<number>({
			maxBatch: 2,
			delayMs: 1,
			retryDelaysMs: [5, 10],
			write: async (batch) => {
				if (batch.includes(1) && failures-- > 0) throw new Error('locked');
				written.push(batch);
			},
			onError: (_error, _batch, retryIn) => retries.push(retryIn),
		});
		writer.add(1, 2);
		// The first batch is being written (and fails) before the next items come.
		await Promise.resolve();
		writer.add(3, 4);
		writer.add(5);
		await writer.flush();
		expect(written).toEqual([[1, 2], [3, 4, 5]]);
		// The last delay repeats.
		expect(retries).toEqual([5, 10, 10]);
		expect(writer.backlog).toBe(0);
	});

	it('close() ends the retries: one more try, then the batch is reported as dropped', async () => {
		const retries: (number | null)[] = [];
		let tries = 0;
		const writer = new BatchWriter<number>({
			maxBatch: 10,
			delayMs: 1,
			retryDelaysMs: [60_000],
			write: async () => {
				tries++;
				throw new Error('gone');
			},
			onError: (_error, _batch, retryIn) => retries.push(retryIn),
		});
		vi.useFakeTimers();
		writer.add(1);
		await vi.advanceTimersByTimeAsync(1);
		expect([tries, retries]).toEqual([1, [60_000]]);
		const started = Date.now();
		const closed = writer.close();
		await vi.runAllTimersAsync();
		await closed;
		// Without waiting out the retry's minute.
		expect(Date.now() - started).toBe(0);
		expect([tries, retries]).toEqual([2, [60_000, null]]);
		expect(writer.backlog).toBe(0);
	});
});

describe('Outbox', () => {
	it('takes a bulk write of 300,000 item events in one call: a spread of that many overflowed the stack and lost them all', async () => {
		const written: number[] = [];
		const store = { insert: async (rows: unknown[]) => void written.push(rows.length), addToWindows: async () => undefined } as unknown as DeliveryStore;
		const outbox = new Outbox(store, { error: () => undefined }, () => undefined);
		const rows = Array.from({ length: 300_000 }, (_, n) => ({ webhook: 1, message_id: `msg_${n}`, event: 'a.items.update', collection: 'a', item_key: String(n), event_data: {} }));
		expect(() => outbox.add(rows)).not.toThrow();
		await outbox.flush();
		expect(written.reduce((sum, count) => sum + count, 0)).toBe(300_000);
	});
});
