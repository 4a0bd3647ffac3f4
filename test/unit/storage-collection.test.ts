// ensureStorage, as the endpoint action hooks run it: storage already complete in the database
// asks nothing of Directus, and a change is not followed by a cached-schema rebuild. On a real
// SQLite file shaped like Directus's system tables; Directus's services are stand-ins here.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExtensionContext } from '../../extensions/src/api/context';
import { ensureStorage, storageDefinition, type StorageTarget } from '../../extensions/src/api/inbound/storage/storage-collection';

const target: StorageTarget = { name: 'orders', suffix: 'orders', collection: 'inbound_orders', fieldMappings: [] };
let db: Knex;
/** What the installer asked of Directus: `cached` is a getSchema that may rebuild the shared cache. */
let asked: string[];

function context(): ExtensionContext {
	class FieldsService {
		async createField(collection: string, field: { field: string }) {
			asked.push(`createField ${field.field}`);
			await db('directus_fields').insert({ collection, field: field.field });
		}
	}
	class UtilsService {
		async clearCache() {
			asked.push('clearCache');
		}
	}
	return {
		database: db,
		getSchema: async (options?: { bypassCache?: boolean }) => {
			asked.push(options?.bypassCache ? 'fresh schema' : 'cached schema');
			// A cache from before the storage existed (another instance made it).
			return { collections: {}, relations: [] };
		},
		services: { FieldsService, UtilsService },
		logger: console,
		env: {},
	} as unknown as ExtensionContext;
}

beforeEach(async () => {
	asked = [];
	db = knex({ client: 'sqlite3', connection: { filename: join(mkdtempSync(join(tmpdir(), 'storage-')), 'db.sqlite') }, useNullAsDefault: true });
	await db.schema.createTable('directus_collections', (table) => table.string('collection'));
	await db.schema.createTable('directus_fields', (table) => {
		table.string('collection');
		table.string('field');
	});
	await db('directus_collections').insert({ collection: target.collection });
	await db.schema.createTable(target.collection, (table) => table.increments('id'));
	await db('directus_fields').insert(storageDefinition(target).fields.map(({ field }) => ({ collection: target.collection, field })));
});

afterEach(async () => {
	await db.destroy();
});

describe('ensureStorage', () => {
	it('with onlyIfIncomplete, leaves complete storage alone without asking Directus anything', async () => {
		await ensureStorage(context(), target, { onlyIfIncomplete: true });
		expect(asked).toEqual([]);
	});

	it('adds a missing mapped field and then does not ask for the cached schema (the change already dropped it)', async () => {
		const mapped: StorageTarget = { ...target, fieldMappings: [{ path: 'order.id', field: 'order_id', type: 'string' }] };
		await ensureStorage(context(), mapped, { onlyIfIncomplete: true });
		expect(asked).toContain('createField order_id');
		expect(asked).not.toContain('cached schema');
	});

	it('without the option and with nothing to add, drops a cached schema that lacks the storage', async () => {
		await ensureStorage(context(), target);
		expect(asked).toEqual(['cached schema', 'clearCache']);
	});
});
