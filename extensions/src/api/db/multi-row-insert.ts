// One INSERT of many rows. On SQLite the rows travel as a single JSON parameter that json_each()
// unpacks: binding one parameter per cell (thousands per outbox or attempt batch) cost Directus's
// main thread twice the time per row, in the driver, knex's formatter and Directus's query
// logging alike; SQLite's own share is the same either way. (knex's own multi-row insert there
// is `SELECT … UNION ALL SELECT …`, which SQLite parses and plans row by row.)
import type { Knex } from 'knex';
import { databaseClient } from './database-client';

/** Inserts `rows` into `table` (a key missing from a row is NULL). */
export async function insertRows(db: Knex | Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
	if (rows.length === 0) return;
	if (databaseClient(db) !== 'sqlite') {
		await db(table).insert(rows);
		return;
	}
	const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
	// Each row is an array in column order; `->>` gives SQL values (text, integer, real or NULL).
	const cells = columns.map((_, index) => `value ->> ${index}`).join(', ');
	const values = JSON.stringify(rows.map((row) => columns.map((column) => row[column] ?? null)));
	await db.raw(`insert into ?? (${columns.map(() => '??').join(', ')}) select ${cells} from json_each(?)`, [table, ...columns, values]);
}
