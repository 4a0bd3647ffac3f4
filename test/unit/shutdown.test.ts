// The last writes at shutdown, on real knex and SQLite with one connection (as Directus runs it):
// they go through the connection taken when the HTTP server closes, and the pool's destroy, which
// Directus calls right after, waits for them.
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeLastBeforePoolCloses } from '../../extensions/src/api/db/shutdown';

const open: Knex[] = [];

function sqlite(file: string): Knex {
	const db = knex({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
	open.push(db);
	return db;
}

async function freshDatabase(): Promise<{ file: string; db: Knex }> {
	const file = join(mkdtempSync(join(tmpdir(), 'shutdown-')), 'db.sqlite');
	const db = sqlite(file);
	await db.schema.createTable('rows', (table) => table.integer('n'));
	return { file, db };
}

async function rowsIn(file: string): Promise<number[]> {
	const db = sqlite(file);
	return (await db('rows').select('n')).map((row: { n: number }) => row.n);
}

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
	let open!: () => void;
	const opened = new Promise<void>((resolve) => (open = resolve));
	return { opened, open };
}

/** Last writes that only write (the stop signal is another test's). */
function writing(write: (db: Knex) => Promise<void>) {
	return { quiesce: () => undefined, write };
}

afterEach(async () => {
	await Promise.all(open.splice(0).map((db) => db.destroy()));
});

describe('writeLastBeforePoolCloses', () => {
	it('writes through the connection taken at close, and the pool closes only after that', async () => {
		const { file, db } = await freshDatabase();
		const server = new EventEmitter();
		const errors: string[] = [];
		const buffered = gate();
		writeLastBeforePoolCloses(server, db, { error: (_error, message) => errors.push(String(message)) }, writing(async (trx) => {
			await buffered.opened;
			await trx('rows').insert({ n: 1 });
		}));

		server.emit('close');
		const destroyed = db.destroy();
		// The pool is closing now: it serves no one else.
		const refused = db('rows').insert({ n: 2 });
		buffered.open();
		await expect(refused).rejects.toThrow();
		await destroyed;

		expect(errors).toEqual([]);
		expect(await rowsIn(file)).toEqual([1]);
	});

	it('when the one connection is busy at close, the pool still closes and the loss is logged', async () => {
		const { file, db } = await freshDatabase();
		const server = new EventEmitter();
		const errors: string[] = [];
		let wrote = false;
		writeLastBeforePoolCloses(server, db, { error: (_error, message) => errors.push(String(message)) }, writing(async () => {
			wrote = true;
		}));
		const holding = gate();
		const release = gate();
		const busy = db.transaction(async (trx) => {
			await trx('rows').insert({ n: 3 });
			holding.open();
			await release.opened;
		});
		await holding.opened;

		server.emit('close');
		const destroyed = db.destroy();
		release.open();
		await busy;
		await destroyed;

		await vi.waitFor(() => expect(errors).toHaveLength(1));
		expect(wrote).toBe(false);
		expect(errors[0]).toContain('no database connection was free at shutdown');
		expect(await rowsIn(file)).toEqual([3]);
	});

	it('a stop signal quiesces before the server closes, once, and only beside a handler already there', async () => {
		const { db } = await freshDatabase();
		const steps: string[] = [];
		const last = { quiesce: () => steps.push('quiesce'), write: async () => void steps.push('write') };
		const others = process.listenerCount('SIGTERM');
		const directusHandler = () => undefined;
		process.on('SIGTERM', directusHandler);
		try {
			const server = new EventEmitter();
			writeLastBeforePoolCloses(server, db, { error: () => undefined }, last);
			process.emit('SIGTERM');
			process.emit('SIGTERM');
			expect(process.listenerCount('SIGTERM')).toBe(others + 1);
			server.emit('close');
			await db.destroy();
			expect(steps).toEqual(['quiesce', 'write']);
		} finally {
			process.off('SIGTERM', directusHandler);
		}
		// Alone it would keep the process from exiting on the signal: it does not listen then.
		if (others === 0) {
			writeLastBeforePoolCloses(new EventEmitter(), sqlite(join(mkdtempSync(join(tmpdir(), 'shutdown-')), 'db.sqlite')), { error: () => undefined }, last);
			expect(process.listenerCount('SIGTERM')).toBe(0);
		}
	});

	it('a failing last write is logged, and the pool closes', async () => {
		const { db } = await freshDatabase();
		const server = new EventEmitter();
		const errors: string[] = [];
		writeLastBeforePoolCloses(server, db, { error: (_error, message) => errors.push(String(message)) }, writing(async (trx) => {
			await trx('missing_table').insert({ n: 1 });
		}));
		server.emit('close');
		await db.destroy();
		expect(errors).toHaveLength(1);
		expect(errors[0]).toContain('the last writes at shutdown failed');
	});
});
