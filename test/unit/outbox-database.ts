// A fresh SQLite file with the extension's tables, made from the schema installer's own
// definitions (schema/collections.ts): for tests of the outbox SQL and the dispatcher without a
// Directus.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { COLLECTIONS } from '../../extensions/src/api/schema/collections';
import { createTables } from '../support/collection-tables';

export async function outboxDatabase(): Promise<Knex> {
	const db = knex({ client: 'sqlite3', connection: { filename: join(mkdtempSync(join(tmpdir(), 'outbox-')), 'db.sqlite') }, useNullAsDefault: true });
	await createTables(db, COLLECTIONS);
	return db;
}
