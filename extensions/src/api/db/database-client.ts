// The SQL dialect behind Directus's knex, named once: locking, claiming and multi-row inserts
// differ between SQLite, PostgreSQL and MariaDB.
import type { Knex } from 'knex';

export type DatabaseClient = 'postgres' | 'mysql' | 'sqlite' | 'cockroachdb' | 'mssql' | 'oracle' | 'other';

/** Which SQL dialect a knex instance speaks; dialect differences decide locking and claiming. */
export function databaseClient(knex: Knex): DatabaseClient {
	const client = String(knex.client.config.client ?? '');
	if (client === 'pg' || client === 'postgres' || client === 'postgresql') return 'postgres';
	if (client === 'mysql' || client === 'mysql2') return 'mysql';
	if (client === 'sqlite3' || client === 'better-sqlite3') return 'sqlite';
	if (client === 'cockroachdb') return 'cockroachdb';
	if (client === 'mssql') return 'mssql';
	if (client === 'oracledb') return 'oracle';
	return 'other';
}
