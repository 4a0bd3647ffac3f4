// An install from before rate limits and ordered delivery: when Directus starts again with this
// version, the schema installer adds the new columns, their fields and the order_key index, and
// webhooks made before can use them.
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { connect, createDatabase, dropDatabase, type DatabaseTarget } from '../harness/databases.ts';
import { ok } from '../harness/delegate.ts';
import { DirectusProcess } from '../harness/directus.ts';
import { artifactsDir } from '../harness/stack.ts';

const info = inject('directus');
const NEW_WEBHOOK_FIELDS = ['delivery_section', 'rate_limit_per_second', 'ordered', 'throttle_next_slot'];

/** Names of the indexes on webhooks_deliveries.order_key. */
async function orderKeyIndexes(db: Knex, kind: DatabaseTarget['kind']): Promise<string[]> {
	if (kind === 'postgres') {
		const result = await db.raw("select indexname from pg_indexes where tablename = 'webhooks_deliveries' and indexdef like '%order_key%'");
		return result.rows.map((row: { indexname: string }) => row.indexname);
	}
	if (kind === 'mariadb') {
		const [rows] = await db.raw("show index from webhooks_deliveries where Column_name = 'order_key'");
		return rows.map((row: { Key_name: string }) => row.Key_name);
	}
	const rows = await db.raw("select name from sqlite_master where type = 'index' and tbl_name = 'webhooks_deliveries' and sql like '%order_key%'");
	return rows.map((row: { name: string }) => row.name);
}

describe('upgrading an install from before rate limits and ordering', () => {
	let target: DatabaseTarget;
	let directus: DirectusProcess;
	const base = artifactsDir(`${info.kind}-upgrade`);

	beforeAll(async () => {
		target = await createDatabase(info.kind, base);
		directus = await DirectusProcess.create({ dataDir: base, env: { ...info.env, ...target.env }, logFile: join(base, 'directus.log') });
		await directus.run(['bootstrap']);
	}, 120_000);

	afterAll(async () => {
		await directus?.stop();
		if (target) await dropDatabase(target);
	});

	it('adds the columns, fields and index on the next start, and an older webhook then takes a rate limit and ordered', { timeout: 180_000 }, async () => {
		await directus.start();
		const before = await ok(new ApiClient(directus.url, info.token).post('/webhooks', { name: 'older', url: 'http://127.0.0.1:9/hook', actions: ['create'], collections: ['directus_users'], status: 'inactive' }));
		await directus.stop();

		// Take the database back to what the version before wrote.
		const db = connect(target);
		try {
			for (const index of await orderKeyIndexes(db, target.kind)) {
				await db.raw(target.kind === 'mariadb' ? 'drop index ?? on ??' : 'drop index ??', target.kind === 'mariadb' ? [index, 'webhooks_deliveries'] : [index]);
			}
			await db.schema.alterTable('webhooks_deliveries', (table) => table.dropColumn('order_key'));
			await db.schema.alterTable('webhooks_outgoing', (table) => table.dropColumns('rate_limit_per_second', 'ordered', 'throttle_next_slot'));
			await db('directus_fields').where({ collection: 'webhooks_outgoing' }).whereIn('field', NEW_WEBHOOK_FIELDS).delete();
			await db('directus_fields').where({ collection: 'webhooks_deliveries', field: 'order_key' }).delete();
			expect(await db.schema.hasColumn('webhooks_outgoing', 'ordered')).toBe(false);
		} finally {
			await db.destroy();
		}

		await directus.start();
		const after = connect(target);
		try {
			for (const column of ['rate_limit_per_second', 'ordered', 'throttle_next_slot']) expect(await after.schema.hasColumn('webhooks_outgoing', column)).toBe(true);
			expect(await after.schema.hasColumn('webhooks_deliveries', 'order_key')).toBe(true);
			expect(await orderKeyIndexes(after, target.kind)).toHaveLength(1);
			const fields = await after('directus_fields').where({ collection: 'webhooks_outgoing' }).whereIn('field', NEW_WEBHOOK_FIELDS).pluck('field');
			expect(fields.sort()).toEqual([...NEW_WEBHOOK_FIELDS].sort());
		} finally {
			await after.destroy();
		}
		const api = new ApiClient(directus.url, info.token);
		const older = await ok(api.get(`/webhooks/${before.id}`));
		expect(older).toMatchObject({ rate_limit_per_second: null, ordered: false });
		expect(await ok(api.patch(`/webhooks/${before.id}`, { rate_limit_per_second: 5, ordered: true }))).toMatchObject({ rate_limit_per_second: 5, ordered: true });
	});
});
