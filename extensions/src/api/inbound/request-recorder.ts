// Stores an accepted request through Directus's ItemsService, so `items.create` fires (Flows with
// an event trigger on the collection run) and the row is committed before the caller hears 2xx.
// A redelivery is caught by the unique index on delivery_id and answered from the original row.
import { isDirectusError } from '@directus/errors';
import type { ExtensionContext, SchemaOverview } from '../context';
import { ensureStorage, type StorageTarget } from './storage-collection';

type Row = Record<string, unknown>;

export interface Recorded {
	item: Row;
	/** True when the delivery id was stored before: nothing was written. */
	duplicate: boolean;
}

// How often one instance may re-read the whole schema for a collection it does not know yet.
const SCHEMA_REFRESH_MS = 1_000;

export class RequestRecorder {
	private readonly context: ExtensionContext;
	private lastRefresh = 0;

	constructor(context: ExtensionContext) {
		this.context = context;
	}

	async record(target: StorageTarget, row: Row): Promise<Recorded> {
		const items = await this.items(target.collection, await this.schemaWith(target));
		try {
			const id = await items.createOne(row);
			return { item: { ...row, id }, duplicate: false };
		} catch (error) {
			if (row.delivery_id === null || row.delivery_id === undefined || !isDirectusError(error, 'RECORD_NOT_UNIQUE')) throw error;
			const [original] = await items.readByQuery({ filter: { delivery_id: { _eq: row.delivery_id } }, limit: 1 });
			if (!original) throw error;
			return { item: original as Row, duplicate: true };
		}
	}

	private async items(collection: string, schema: SchemaOverview) {
		const { ItemsService } = this.context.services;
		// Full rights: the endpoint's own authentication has already decided who may store.
		return new ItemsService(collection, { knex: this.context.database, schema, accountability: null });
	}

	/** The schema, made to include the storage collection (created again if someone dropped it). */
	private async schemaWith(target: StorageTarget): Promise<SchemaOverview> {
		const schema = await this.context.getSchema();
		if (schema.collections[target.collection]) return schema;
		const wait = this.lastRefresh + SCHEMA_REFRESH_MS - Date.now();
		if (wait > 0) await new Promise((done) => setTimeout(done, wait));
		this.lastRefresh = Date.now();
		await ensureStorage(this.context, target);
		return this.context.getSchema({ database: this.context.database, bypassCache: true });
	}
}
