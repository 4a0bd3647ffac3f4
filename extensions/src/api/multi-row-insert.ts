// One INSERT of many rows. knex writes a multi-row insert on SQLite as `SELECT … UNION ALL SELECT …`,
// which SQLite parses and plans row by row; a VALUES list (SQLite 3.7.11+) is the same statement
// every other dialect gets, and cheaper on both sides of the driver.
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
	const placeholders = `(${columns.map(() => '?').join(', ')})`;
	const names = (list: string[]) => list.map(() => '??').join(', ');
	const sql = `insert into ?? (${names(columns)}) values ${rows.map(() => placeholders).join(', ')}${returning ? ` returning ${names(returning)}` : ''}`;
	const bindings = [table, ...columns, ...rows.flatMap((row) => columns.map((column) => row[column] ?? null)), ...(returning ?? [])];
	return (await db.raw(sql, bindings)) as T[];
}
