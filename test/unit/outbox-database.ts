// A fresh SQLite file with the outbox tables, shaped (columns, indexes) as the schema installer
// makes them: for tests of the outbox SQL and the dispatcher without a Directus.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';

export async function outboxDatabase(): Promise<Knex> {
	const db = knex({ client: 'sqlite3', connection: { filename: join(mkdtempSync(join(tmpdir(), 'outbox-')), 'db.sqlite') }, useNullAsDefault: true });
	await db.schema.createTable('webhooks_deliveries', (table) => {
		table.increments('id');
		table.integer('webhook').index();
		table.string('message_id').unique();
		table.string('event');
		table.string('collection');
		table.string('item_key');
		table.json('event_data');
		table.string('status').defaultTo('pending').index();
		table.integer('attempts').defaultTo(0);
		table.bigInteger('next_attempt_at').index();
		table.bigInteger('lease_until');
		table.string('lease_owner');
		table.integer('last_status');
		table.text('last_error');
		table.bigInteger('created_at').index();
		table.bigInteger('finished_at');
	});
	await db.schema.createTable('webhooks_attempts', (table) => {
		table.increments('id');
		for (const column of ['delivery', 'webhook', 'attempt', 'duration_ms', 'response_status']) table.integer(column);
		table.bigInteger('started_at');
		for (const column of ['request_url', 'request_headers', 'request_body', 'response_headers', 'response_body', 'error']) table.text(column);
	});
	return db;
}
