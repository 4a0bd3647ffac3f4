// One INSERT of many rows. On SQLite the rows travel as a single JSON parameter that json_each()
// unpacks: binding one parameter per cell (thousands per outbox or attempt batch) cost Directus's
// main thread twice the time per row, in the driver, knex's formatter and Directus's query
// logging alike; SQLite's own share is the same either way. (knex's own multi-row insert there
// is `SELECT … UNION ALL SELECT …`, which SQLite parses and plans row by row.)
import type { Knex } from 'knex';
import { databaseClient } from './database-client';

/** Inserts `rows` into `table` (a key missing from a row is NULL), returning `returning` columns when given. */
export async function insertRows<T = unknown>(db: Knex | Knex.Transaction, table: string, rows: Record<string, unknown>[], returning?: string[]): Promise<T[]> {
	if (rows.length === 0) return [];
	if (databaseClient(db) !== 'sqlite') {
		const query = db(table).insert(rows);
		return (returning ? await query.returning(returning) : await query) as T[];
	}
	const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
	const names = (list: string[]) => list.map(() => '??').join(', ');
	// Each row is an array in column order; `->>` gives SQL values (text, integer, real or NULL).
	const cells = columns.map((_, index) => `value ->> ${index}`).join(', ');
	const sql = `insert into ?? (${names(columns)}) select ${cells} from json_each(?)${returning ? ` returning ${names(returning)}` : ''}`;
	const values = JSON.stringify(rows.map((row) => columns.map((column) => row[column] ?? null)));
	return (await db.raw(sql, [table, ...columns, values, ...(returning ?? [])])) as T[];
}
