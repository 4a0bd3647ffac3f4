// The last writes at shutdown, on real knex and SQLite with one connection (as Directus runs it):
// they run when Directus destroys its pool, before the pool goes, while it still serves every
// query (a connection that is busy then included); nothing else can hold the pool back.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import { beforeDatabaseCloses } from '../../extensions/src/api/db/shutdown';

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
	return (await sqlite(file)('rows').select('n').orderBy('n')).map((row: { n: number }) => row.n);
}

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
	let open!: () => void;
	const opened = new Promise<void>((resolve) => (open = resolve));
	return { opened, open };
}

afterEach(async () => {
	await Promise.all(open.splice(0).map((db) => db.destroy()));
});

describe('beforeDatabaseCloses', () => {
	it('runs the last writes when the pool is destroyed, and the pool closes only after them', async () => {
		const { file, db } = await freshDatabase();
		const steps: string[] = [];
		beforeDatabaseCloses(db, async () => {
			steps.push('last writes');
			await db('rows').insert({ n: 1 });
		});
		expect(steps).toEqual([]);
		await db.destroy();
		expect(steps).toEqual(['last writes']);
		expect(await rowsIn(file)).toEqual([1]);
	});

	it('writes even while the one connection is busy when the destroy begins (a request still finishing)', async () => {
		const { file, db } = await freshDatabase();
		const holding = gate();
		const release = gate();
		const busy = db.transaction(async (trx) => {
			await trx('rows').insert({ n: 2 });
			holding.open();
			await release.opened;
		});
		await holding.opened;
		beforeDatabaseCloses(db, () => db('rows').insert({ n: 3 }));
		const destroyed = db.destroy();
		release.open();
		await busy;
		await destroyed;
		expect(await rowsIn(file)).toEqual([2, 3]);
	});

	it('a failing last write does not keep the pool from closing', async () => {
		const { db } = await freshDatabase();
		beforeDatabaseCloses(db, () => db('missing_table').insert({ n: 1 }));
		await expect(db.destroy()).resolves.toBeUndefined();
	});

	it('wraps once, however often it is asked', async () => {
		const { db } = await freshDatabase();
		let runs = 0;
		beforeDatabaseCloses(db, async () => void (runs += 1));
		beforeDatabaseCloses(db, async () => void (runs += 10));
		await db.destroy();
		expect(runs).toBe(1);
	});
});
