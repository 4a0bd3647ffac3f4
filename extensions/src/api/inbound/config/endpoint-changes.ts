// An endpoint's storage collection follows every write of endpoint config, whichever API it comes
// through (our routes, /items, GraphQL), before the write is answered: the public URL and the
// collection work with the client's very next request, and nothing holds other requests back.
// A create makes the storage inside the write's own transaction, so a write Directus then refuses
// takes it back (SQLite and PostgreSQL roll DDL back). MariaDB commits at every DDL statement:
// there the storage is made beside the transaction and dropped again if the write is refused.
// Deleted endpoints' storage goes after the delete when it never stored a request (it would use up
// the licence's collection budget).
import type { Knex } from 'knex';
import type { ExtensionContext } from '../../context';
import { databaseClient } from '../../db/database-client';
import { dropStorage, ensureStorage, storageChanged, type StorageTarget } from '../storage/storage-collection';
import type { EndpointRegistry } from './endpoint-registry';
import { storageOf, storageTarget } from './endpoints-service';
import { ENDPOINTS_COLLECTION } from '../../../shared/collections';

type Keys = (string | number)[];
type Payload = Record<string, unknown>;

// Deletes that failed leave their entry: a few kept at most.
const MAX_PENDING_DELETES = 100;

export class EndpointChanges {
	private readonly context: ExtensionContext;
	private readonly endpoints: EndpointRegistry;
	/** Storage collections of endpoints being deleted, by the delete's keys. */
	private readonly pending = new Map<string, string[]>();

	constructor(context: ExtensionContext, endpoints: EndpointRegistry) {
		this.context = context;
		this.endpoints = endpoints;
	}

	/** In the create filter, with the validated payload and the write's connection (its transaction). */
	async beforeCreate(payload: Payload, database: Knex): Promise<void> {
		if (typeof payload.collection !== 'string' || payload.collection === '') return;
		await this.ensure(storageTarget(payload), database);
	}

	/**
	 * In the update filter, which Directus runs before its transaction: mapped fields the change adds
	 * get their columns now. If the update is then refused they stay, empty (as after a mapping is removed).
	 */
	async beforeUpdate(payload: Payload, keys: Keys, database: Knex): Promise<void> {
		if (payload.field_mappings === undefined || keys.length === 0) return;
		const rows: Payload[] = await database(ENDPOINTS_COLLECTION).select('name', 'suffix', 'collection').whereIn('id', keys);
		for (const row of rows) {
			if (typeof row.collection === 'string' && row.collection !== '') await this.ensure(storageTarget({ ...row, field_mappings: payload.field_mappings }), database);
		}
	}

	/** After a create or update is committed: every instance serves the new config. */
	changed(): Promise<void> {
		return this.endpoints.reload();
	}

	/** In the delete filter (`knex`: the write's connection): notes the storage the endpoints have. */
	async beforeDelete(keys: Keys, knex: Knex): Promise<void> {
		if (this.pending.size >= MAX_PENDING_DELETES) this.pending.delete(this.pending.keys().next().value!);
		this.pending.set(deletion(keys), await storageOf(knex, keys));
	}

	/** After a delete: unused storage of the deleted endpoints goes. */
	async deleted(keys: Keys): Promise<void> {
		const candidates = this.pending.get(deletion(keys)) ?? [];
		this.pending.delete(deletion(keys));
		await this.endpoints.reload();
		await dropStorage(this.context, candidates, { onlyUnused: true }).catch((error) => this.context.logger.warn(error, '[webhooks] could not drop the storage of a deleted endpoint'));
	}

	/** Makes or completes the storage as part of the write on `database`, or beside it where DDL cannot be part of it. */
	private async ensure(target: StorageTarget, database: Knex): Promise<void> {
		const write = outermost(database);
		const client = write ? databaseClient(write) : null;
		if (write && client !== 'mysql') {
			if (!(await ensureStorage(this.context, target, { onlyIfIncomplete: true, knex: write }))) return;
			// Directus dropped its schema cache inside our transaction. Elsewhere than on SQLite (one
			// connection, so nothing else ran meanwhile) a request may have cached it again without
			// the uncommitted change; after a rollback, the cache may hold what was undone. Clearing
			// after a commit on SQLite would only make a request already in its transaction rebuild
			// the schema, waiting for the connection it holds.
			void write.executionPromise.then(
				() => storageChanged(this.context, { clearDirectusCache: client !== 'sqlite' }),
				() => storageChanged(this.context, { clearDirectusCache: true }),
			);
			return;
		}
		const report = await ensureStorage(this.context, target, { onlyIfIncomplete: true });
		if (write && report && report.createdCollections.length > 0) {
			void write.executionPromise.catch(() =>
				dropStorage(this.context, [target.collection], { onlyUnused: true }).catch((error) =>
					this.context.logger.warn(error, `[webhooks] could not drop the storage collection ${target.collection} of a refused endpoint write`),
				),
			);
		}
	}
}

/** The top transaction a filter's connection belongs to, or null outside one. */
function outermost(database: Knex): Knex.Transaction | null {
	if (!database.isTransaction) return null;
	let transaction = database as Knex.Transaction;
	while (transaction.parentTransaction) transaction = transaction.parentTransaction;
	return transaction;
}

function deletion(keys: unknown): string {
	return JSON.stringify(keys);
}
