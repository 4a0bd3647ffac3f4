// The pipelining wrapper around Directus's ItemsService, on a stand-in with the same createMany
// shape as Directus 11 and 12 (a fork bound to the transaction, createOne awaited item by item,
// retried as a whole on a retryable error). The real one runs in the inbound e2e tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { pipelinedItemsService } from '../../extensions/src/api/inbound/storage/pipelined-items';

type Row = Record<string, unknown>;
const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

function standIn(options: { failOn?: unknown; retryOnce?: boolean; slowAfterFailure?: boolean } = {}) {
	const log: string[] = [];
	let attempts = 0;
	class ItemsService {
		collection: string;
		knex: unknown;
		accountability = null;
		schema = {};
		nested = [];
		constructor(collection: string, opts: { knex?: unknown }) {
			this.collection = collection;
			this.knex = opts.knex ?? 'db';
		}
		fork(opts: { knex: unknown }): ItemsService {
			return new ItemsService(this.collection, opts);
		}
		async createOne(data: Row, opts: Record<string, unknown> = {}): Promise<unknown> {
			log.push(`start ${String(data.n)} in ${String(this.knex)}`);
			await tick(options.slowAfterFailure && Number(data.n) > Number(options.failOn) ? 40 : 5);
			if (data.n === options.failOn) throw new Error(`row ${String(data.n)} failed`);
			(opts.bypassEmitAction as ((event: unknown) => void) | undefined)?.({ key: data.n });
			log.push(`end ${String(data.n)}`);
			return data.n;
		}
		async createMany(data: Row[], opts: Record<string, unknown> = {}): Promise<unknown[]> {
			const run = async (knex: string) => {
				const service = this.fork({ knex });
				const keys = [];
				const events: unknown[] = [];
				for (const [index, payload] of data.entries()) {
					keys.push(await service.createOne(payload, { ...opts, bypassEmitAction: (event: unknown) => events.push(event), overwriteDefaults: (opts.overwriteDefaults as unknown[] | undefined)?.[index], bypassAutoIncrementSequenceReset: true }));
				}
				if (options.retryOnce && attempts++ === 0) throw new Error('retry');
				return { keys, events };
			};
			let result;
			try {
				result = await run('trx1');
			} catch (error) {
				if ((error as Error).message !== 'retry') throw error;
				result = await run('trx2');
			}
			log.push(`emit ${result.events.length}`);
			return result.keys;
		}
	}
	return { ItemsService, log };
}

const rows = (count: number) => Array.from({ length: count }, (_, n) => ({ n }));

describe('pipelinedItemsService', () => {
	it('starts every row of createMany at once, in its transaction, and returns the keys in order', async () => {
		const { ItemsService, log } = standIn();
		const Pipelined = pipelinedItemsService(ItemsService as never);
		const keys = await new Pipelined('inbound_x', {}).createMany(rows(3));
		expect(keys).toEqual([0, 1, 2]);
		expect(log.slice(0, 3)).toEqual(['start 0 in trx1', 'start 1 in trx1', 'start 2 in trx1']);
		expect(log.at(-1)).toBe('emit 3');
	});

	it('a failing row fails createMany, with no unhandled rejection from the rows after it', async () => {
		const { ItemsService, log } = standIn({ failOn: 1 });
		const Pipelined = pipelinedItemsService(ItemsService as never);
		const unhandled: unknown[] = [];
		const listener = (reason: unknown) => unhandled.push(reason);
		process.on('unhandledRejection', listener);
		try {
			await expect(new Pipelined('inbound_x', {}).createMany(rows(3))).rejects.toThrow('row 1 failed');
			await tick();
			await tick();
		} finally {
			process.off('unhandledRejection', listener);
		}
		expect(unhandled).toEqual([]);
		expect(log).not.toContain('emit 3');
	});

	it('a failing row surfaces only after every started row has settled, so none is still running when the transaction ends', async () => {
		const { ItemsService, log } = standIn({ failOn: 1, slowAfterFailure: true });
		const Pipelined = pipelinedItemsService(ItemsService as never);
		await expect(new Pipelined('inbound_x', {}).createMany(rows(4))).rejects.toThrow('row 1 failed');
		// Rows 2 and 3 take longer than row 1's failure; their writes must be over before createMany gives up.
		expect(log).toEqual(expect.arrayContaining(['end 2', 'end 3']));
	});

	it('a retried transaction writes every row again in the new transaction', async () => {
		const { ItemsService, log } = standIn({ retryOnce: true });
		const Pipelined = pipelinedItemsService(ItemsService as never);
		expect(await new Pipelined('inbound_x', {}).createMany(rows(2))).toEqual([0, 1]);
		expect(log.filter((line) => line.startsWith('start'))).toEqual(['start 0 in trx1', 'start 1 in trx1', 'start 0 in trx2', 'start 1 in trx2']);
	});

	it('writes row by row when the rows get options of their own, and createOne alone is untouched', async () => {
		const { ItemsService, log } = standIn();
		const Pipelined = pipelinedItemsService(ItemsService as never);
		await new Pipelined('inbound_x', {}).createMany(rows(2), { overwriteDefaults: [{}, {}] });
		expect(log.slice(0, 3)).toEqual(['start 0 in trx1', 'end 0', 'start 1 in trx1']);
		log.length = 0;
		expect(await new Pipelined('inbound_x', {}).createOne({ n: 7 })).toBe(7);
		expect(log).toEqual(['start 7 in db', 'end 7']);
	});

	it('on real SQLite, no row of a failed group stays committed, even one whose INSERT went out as the group failed', async () => {
		const db = knex({ client: 'sqlite3', connection: { filename: join(mkdtempSync(join(tmpdir(), 'pipelined-')), 'db.sqlite') }, useNullAsDefault: true });
		try {
			await db.schema.createTable('rows', (table) => {
				table.increments('id');
				table.string('delivery_id').unique();
				table.string('n');
			});
			await db('rows').insert({ delivery_id: 'taken', n: 'original' });
			let failed = (): void => undefined;
			let failure = Promise.resolve();
			// As Directus's createMany: a transaction, a fork bound to it, createOne awaited row by row.
			class ItemsService {
				collection = 'rows';
				accountability = null;
				schema = {};
				nested = [];
				knex: Knex;
				constructor(_collection: string, opts: { knex: Knex }) {
					this.knex = opts.knex;
				}
				fork(opts: { knex: Knex }) {
					return new ItemsService(this.collection, opts);
				}
				async createOne(data: Row, _opts?: Record<string, unknown>): Promise<unknown> {
					if (data.delivery_id) {
						try {
							return await this.knex('rows').insert(data);
						} catch (error) {
							failed();
							throw error;
						}
					}
					// The rows after the redelivery send their INSERT the moment it fails, before
					// the rollback: node-sqlite3 may run such statements after the ROLLBACK.
					await failure;
					return this.knex('rows').insert(data);
				}
				async createMany(data: Row[]): Promise<unknown[]> {
					return this.knex.transaction(async (trx) => {
						const service = this.fork({ knex: trx });
						const keys = [];
						for (const payload of data) keys.push(await service.createOne(payload, { bypassAutoIncrementSequenceReset: true }));
						return keys;
					});
				}
			}
			const Pipelined = pipelinedItemsService(ItemsService as never);
			for (let round = 0; round < 30; round += 1) {
				failure = new Promise<void>((resolve) => (failed = resolve));
				const group = [{ n: `${round}-a` }, { delivery_id: 'taken', n: `${round}-redelivery` }, ...Array.from({ length: 8 }, (_, index) => ({ n: `${round}-${index}` }))];
				await expect(new Pipelined('rows', { knex: db }).createMany(group)).rejects.toThrow();
			}
			expect(await db('rows').pluck('n')).toEqual(['original']);
		} finally {
			await db.destroy();
		}
	});
});
