// When the inbound recorder starts a group (group-gathering) and that every request it takes is
// written, on a stand-in ItemsService. The real one runs in the inbound e2e and fuzz tests.
// The recorder's clock is fake here: writes take exact milliseconds and a caller's round trip is a
// turn of the event loop that takes none, so a busy machine cannot change the groups.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { gatherDelay, MAX_GATHER_MS } from '../../extensions/src/api/inbound/storage/group-gathering';
import { RequestRecorder } from '../../extensions/src/api/inbound/storage/request-recorder';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// A caller's round trip.
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Runs the clock until no timer is left, then returns what `promise` gave: it must have settled by then. */
async function afterTimers<T>(promise: Promise<T>): Promise<T> {
	let settled = false;
	promise.then(
		() => (settled = true),
		() => (settled = true),
	);
	await vi.runAllTimersAsync();
	expect(settled, 'settled once no timer was left').toBe(true);
	return promise;
}

describe('gatherDelay', () => {
	// A steady load: the last group (16 requests, 10 ms to write) ended at t=100.
	const steady = { waiting: 1, oldestAt: 95, expected: 16, lastEndedAt: 100, lastDurationMs: 10, now: 100 };

	it('waits, right after a group, for as many requests as were in play when it ended', () => {
		expect(gatherDelay(steady)).toBe(MAX_GATHER_MS);
		expect(gatherDelay({ ...steady, waiting: 15, now: 101 })).toBe(MAX_GATHER_MS - 1);
		expect(gatherDelay({ ...steady, waiting: 16, now: 101 })).toBe(0);
	});

	it('never past the window: at most MAX_GATHER_MS, and at most half of a group write', () => {
		expect(gatherDelay({ ...steady, now: 100 + MAX_GATHER_MS })).toBe(0);
		expect(gatherDelay({ ...steady, now: 200 })).toBe(0);
		expect(gatherDelay({ ...steady, lastDurationMs: 2 })).toBe(1);
		// Nothing written yet (or writes that cost nothing): no gathering.
		expect(gatherDelay({ ...steady, lastDurationMs: 0 })).toBe(0);
	});

	it('starts at once under light load, and with nothing waiting', () => {
		// The request came long after the last group ended: not a caller coming back.
		expect(gatherDelay({ ...steady, oldestAt: 150, now: 150 })).toBe(0);
		expect(gatherDelay({ ...steady, waiting: 0 })).toBe(0);
	});

	it('counts the window from the arrival when the request came shortly after the group ended', () => {
		expect(gatherDelay({ ...steady, oldestAt: 101, now: 101 })).toBe(MAX_GATHER_MS);
	});
});

/** A row the stand-in database refuses. */
const BAD = -1;

/** A recorder whose ItemsService logs each group and takes `writeMs` to write it. */
function recorder(writeMs: number) {
	const groups: number[] = [];
	const stored: unknown[] = [];
	class ItemsService {
		async createMany(rows: Record<string, unknown>[]): Promise<unknown[]> {
			groups.push(rows.length);
			await sleep(writeMs);
			// What a database driver throws for a row it cannot take (not a Directus error).
			if (rows.some((row) => row.n === BAD)) throw new RangeError('Maximum call stack size exceeded');
			stored.push(...rows.map((row) => row.n));
			return rows.map((row) => row.n);
		}
		async createOne(row: Record<string, unknown>): Promise<unknown> {
			const [key] = await this.createMany([row]);
			return key;
		}
	}
	const context = {
		services: { ItemsService },
		database: { client: { config: { client: 'sqlite3' } } },
		getSchema: async () => ({ collections: { inbound_test: { fields: { response: {} } } }, relations: [] }),
	};
	const target = { name: 'test', suffix: 'test', collection: 'inbound_test', fieldMappings: [] };
	const instance = new RequestRecorder(context as never, { on: () => false } as never);
	return { groups, stored, record: (n: number) => instance.record(target, { n }) };
}

describe('RequestRecorder', () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it('a steady round of callers shares one group instead of splitting into a lone request and the rest', async () => {
		const { groups, record } = recorder(20);
		// Eight callers, each sending again one round trip after it is answered; the first one's
		// request comes before the others and starts a group of its own.
		const caller = async (index: number) => {
			for (let round = 0; round < 6; round++) {
				await record(index * 100 + round);
				await turn();
			}
		};
		await afterTimers(Promise.all(Array.from({ length: 8 }, (_, index) => caller(index))));
		// Starting as soon as one request waits keeps them split 1 + 7 for good.
		expect(groups[0]).toBe(1);
		// Then the lone one gathers with the rest; the last round lacks it (it finished first).
		expect(groups.slice(1, -1)).toEqual([8, 8, 8, 8, 8]);
		expect(groups.reduce((sum, size) => sum + size, 0)).toBe(48);
	});

	it('writes a gathering request once the window ends, when fewer callers come back', async () => {
		const { groups, stored, record } = recorder(20);
		await afterTimers(Promise.all([1, 2, 3, 4].map((n) => record(n))));
		// The last group held three; one caller comes back, the others never do.
		const started = performance.now();
		await afterTimers(record(5));
		// It waited out the window, then took its write's 20 ms.
		expect(performance.now() - started).toBe(MAX_GATHER_MS + 20);
		expect(stored.sort()).toEqual([1, 2, 3, 4, 5]);
		expect(groups.at(-1)).toBe(1);
	});

	it('one row the database refuses with any error fails alone: the rest of its group is stored', async () => {
		const { groups, stored, record } = recorder(5);
		const results = await afterTimers(Promise.allSettled([1, 2, BAD, 3, 4].map((n) => record(n))));
		expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
		expect(groups.some((size) => size > 1), 'the bad row was written in a group').toBe(true);
		expect(stored.sort()).toEqual([1, 2, 3, 4]);
	});

	it('does not hold a request that comes after a quiet spell', async () => {
		const { groups, record } = recorder(20);
		await afterTimers(Promise.all([1, 2, 3].map((n) => record(n))));
		await vi.advanceTimersByTimeAsync(50);
		const before = groups.length;
		const written = record(4);
		// Alone and at once: its write has started before the clock moves, where a gathering
		// request would still wait for its window (a timer of up to MAX_GATHER_MS).
		await vi.advanceTimersByTimeAsync(0);
		expect(groups.length).toBe(before + 1);
		expect(groups.at(-1)).toBe(1);
		await afterTimers(written);
	});
});
