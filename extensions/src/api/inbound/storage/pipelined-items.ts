// Directus's ItemsService.createMany writes a group one item after another inside its transaction:
// each item's processing (hooks, payload checks) waits until the previous item's INSERT has come
// back from the database. On SQLite's single connection that round trip per item is what bounds
// how fast inbound requests can be stored. This service starts every item of the group at once
// when createMany asks for the first one: their statements all go to the same transaction (in no
// set order), so one item's processing overlaps the others' INSERTs. createMany still awaits the items in
// order, commits (or rolls back) the whole group, and emits `items.create` for each after the
// commit, exactly as it does for a plain ItemsService.
import type { ExtensionContext } from '../../context';

type ItemsServiceClass = ExtensionContext['services']['ItemsService'];
type Row = Record<string, unknown>;
type CreateOptions = Record<string, unknown> | undefined;

/**
 * An ItemsService class whose createMany(rows) overlaps the rows' writes. Other calls behave as
 * Directus's own; createOne calls it cannot match to the group (a Directus version that calls
 * createOne differently) simply run one by one.
 */
export function pipelinedItemsService(ItemsService: ItemsServiceClass) {
	// Directus's types for the service are loose (any); the subclass keeps them.
	const Base = ItemsService as unknown as new (collection: string, options: Record<string, unknown>) => {
		collection: string;
		knex: unknown;
		accountability: unknown;
		schema: unknown;
		nested: unknown;
		createOne(data: Row, opts?: CreateOptions): Promise<unknown>;
		createMany(data: Row[], opts?: CreateOptions): Promise<unknown[]>;
		readByQuery(query: Record<string, unknown>): Promise<Row[]>;
	};

	class PipelinedItemsService extends Base {
		/** The rows of the createMany under way. */
		group: Row[] | null = null;
		/** Their writes in this service's transaction, once started. */
		started: Promise<unknown>[] | null = null;

		override async createMany(rows: Row[], opts?: CreateOptions): Promise<unknown[]> {
			this.group = rows;
			try {
				return await super.createMany(rows, opts);
			} finally {
				this.group = null;
			}
		}

		// createMany runs its items through a fork bound to its transaction (a new one each time
		// Directus retries the transaction): the fork knows the rows and starts its own writes.
		fork(options: Record<string, unknown>): PipelinedItemsService {
			const forked = new PipelinedItemsService(this.collection, {
				knex: this.knex,
				accountability: this.accountability,
				schema: this.schema,
				nested: this.nested,
				...options,
			});
			forked.group = this.group;
			return forked;
		}

		override createOne(data: Row, opts?: CreateOptions): Promise<unknown> {
			const index = this.group ? this.group.indexOf(data) : -1;
			// Only the options createMany gives every item alike can be shared by all of them.
			if (!this.group || index === -1 || !sharedOptions(opts)) return super.createOne(data, opts);
			this.started ??= this.startAll(this.group, opts);
			return this.started[index]!;
		}

		/**
		 * Starts every row's write. A failure surfaces only once every row has settled: the failure
		 * makes createMany roll back, and node-sqlite3 runs statements sent at once on its one
		 * connection in any order, so a row's INSERT still queued could run after the ROLLBACK,
		 * outside the transaction, and stay committed (then be written again by the caller's retry).
		 */
		private startAll(rows: Row[], opts: CreateOptions): Promise<unknown>[] {
			const writes = rows.map((row) => super.createOne(row, opts));
			const settled = Promise.allSettled(writes);
			return writes.map((write) => {
				const held = write.catch(async (error: unknown) => {
					await settled;
					throw error;
				});
				// createMany stops awaiting at the first failure: the rest must not surface as
				// unhandled rejections.
				held.catch(() => undefined);
				return held;
			});
		}
	}

	return PipelinedItemsService;
}

/** True for createMany's per-item options that do not depend on the item (no primary keys, no defaults). */
function sharedOptions(opts: CreateOptions): boolean {
	return opts !== undefined && opts.overwriteDefaults === undefined && opts.bypassAutoIncrementSequenceReset !== false;
}
