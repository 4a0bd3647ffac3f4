import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertRows } from '../../extensions/src/api/multi-row-insert';
import { outboxDatabase } from './outbox-database';

let db: Knex;
beforeEach(async () => {
	db = await outboxDatabase();
});
afterEach(() => db.destroy());

describe('insertRows (SQLite)', () => {
	it('writes one VALUES statement, keys missing from a row as NULL, and returns the asked columns in row order', async () => {
		const queries: string[] = [];
		db.on('query', (query: { sql: string }) => queries.push(query.sql));
		const rows = [
			{ webhook: 1, message_id: 'a', event: 'x' },
			{ message_id: 'b', webhook: 2 },
			{ webhook: 3, message_id: 'c', event: "it's" },
		];
		const returned = await insertRows<{ id: number; message_id: string }>(db, 'webhooks_deliveries', rows, ['id', 'message_id']);
		expect(queries).toHaveLength(1);
		expect(queries[0]).toMatch(/^insert into `webhooks_deliveries` \(`webhook`, `message_id`, `event`\) values \(\?, \?, \?\), \(\?, \?, \?\), \(\?, \?, \?\) returning `id`, `message_id`$/);
		expect(returned.map((row) => row.message_id)).toEqual(['a', 'b', 'c']);
		const stored = await db('webhooks_deliveries').select('id', 'webhook', 'message_id', 'event').orderBy('id');
		expect(stored).toEqual(returned.map((row, index) => ({ id: row.id, webhook: index + 1, message_id: row.message_id, event: [rows[0]!.event, null, "it's"][index] })));
	});

	it('does nothing for no rows', async () => {
		expect(await insertRows(db, 'webhooks_deliveries', [])).toEqual([]);
		expect(await db('webhooks_deliveries').count({ n: '*' })).toEqual([{ n: 0 }]);
	});
});
