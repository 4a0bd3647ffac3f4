import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertRows } from '../../extensions/src/api/db/multi-row-insert';
import { outboxDatabase } from './outbox-database';

let db: Knex;
beforeEach(async () => {
	db = await outboxDatabase();
});
afterEach(() => db.destroy());

describe('insertRows (SQLite)', () => {
	it('writes one statement with the rows as one JSON parameter, keys missing from a row as NULL, in row order', async () => {
		const queries: { sql: string; bindings: unknown[] }[] = [];
		db.on('query', (query: { sql: string; bindings: unknown[] }) => queries.push(query));
		const rows = [
			{ webhook: 1, message_id: 'a', event: 'x', created_at: 1_796_323_734_388 },
			{ message_id: 'b', webhook: 2 },
			{ webhook: 3, message_id: 'c', event: `it's "quoted", \\ é ✓`, created_at: 0 },
		];
		await insertRows(db, 'webhooks_deliveries', rows);
		expect(queries).toHaveLength(1);
		expect(queries[0]!.sql).toBe(
			'insert into `webhooks_deliveries` (`webhook`, `message_id`, `event`, `created_at`) select value ->> 0, value ->> 1, value ->> 2, value ->> 3 from json_each(?)',
		);
		expect(queries[0]!.bindings).toHaveLength(1);
		const stored = await db('webhooks_deliveries').select('webhook', 'message_id', 'event', 'created_at').orderBy('id');
		expect(stored).toEqual([
			{ webhook: 1, message_id: 'a', event: 'x', created_at: 1_796_323_734_388 },
			{ webhook: 2, message_id: 'b', event: null, created_at: null },
			{ webhook: 3, message_id: 'c', event: rows[2]!.event, created_at: 0 },
		]);
	});

	it('does nothing for no rows', async () => {
		await insertRows(db, 'webhooks_deliveries', []);
		expect(await db('webhooks_deliveries').count({ n: '*' })).toEqual([{ n: 0 }]);
	});
});
