// Serialises schema installation across Directus instances that start together on one
// database. The lock lives on a connection of its own; the installer's DDL runs on other
// pool connections, so only a second instance's lock request waits.
import type { Knex } from 'knex';
import { databaseClient } from '../db/database-client';

// Any constant works; it only has to be the same in every instance ("WEBH").
const POSTGRES_LOCK_KEY = 0x57454248;
const MYSQL_LOCK_NAME = 'directus-extension-webhooks:schema';
const LOCK_TIMEOUT_SECONDS = 300;

export async function withSchemaLock<T>(knex: Knex, fn: () => Promise<T>): Promise<T> {
	switch (databaseClient(knex)) {
		case 'postgres':
			return knex.transaction(async (trx) => {
				await trx.raw('select pg_advisory_xact_lock(?)', [POSTGRES_LOCK_KEY]);
				return fn();
			});
		case 'mysql':
			return knex.transaction(async (trx) => {
				const [rows] = await trx.raw('select get_lock(?, ?) as acquired', [MYSQL_LOCK_NAME, LOCK_TIMEOUT_SECONDS]);
				if (Number(rows[0]?.acquired) !== 1) throw new Error('Timed out waiting for the webhooks schema lock');
				try {
					return await fn();
				} finally {
					await trx.raw('select release_lock(?)', [MYSQL_LOCK_NAME]);
				}
			});
		default:
			// SQLite serialises writers itself; the installer re-checks after a failed create.
			return fn();
	}
}
