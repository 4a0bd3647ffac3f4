// What follows a write of endpoint config through Directus's /items or GraphQL (our own API does
// its storage work before answering): the endpoints are reloaded, created or changed endpoints get
// their storage collection, and the storage of deleted endpoints that never stored a request goes
// (it would use up the licence's collection budget). These run after the response: the schema
// gate holds the client's next request until they are done.
import type { ExtensionContext } from '../../context';
import type { SchemaChangeGate } from '../../schema/schema-change-gate';
import { dropStorage } from '../storage/storage-collection';
import type { EndpointRegistry } from './endpoint-registry';
import { ensureStorageFor, storageOf } from './endpoints-service';

type Keys = (string | number)[];

// Deletes that failed leave their entry: a few kept at most.
const MAX_PENDING_DELETES = 100;

export class EndpointChanges {
	private readonly context: ExtensionContext;
	private readonly endpoints: EndpointRegistry;
	private readonly gate: SchemaChangeGate;
	/** Storage collections of endpoints being deleted, by the delete's keys. */
	private readonly pending = new Map<string, string[]>();

	constructor(context: ExtensionContext, endpoints: EndpointRegistry, gate: SchemaChangeGate) {
		this.context = context;
		this.endpoints = endpoints;
		this.gate = gate;
	}

	/** After a create or update: call synchronously from the action. */
	changed(keys: Keys): Promise<void> {
		return this.gate.hold(async () => {
			await ensureStorageFor(this.context, keys);
			await this.endpoints.reload();
		});
	}

	/** Before a delete, in its transaction (`knex`): notes the storage the endpoints have. */
	async beforeDelete(keys: Keys, knex: ExtensionContext['database']): Promise<void> {
		if (this.pending.size >= MAX_PENDING_DELETES) this.pending.delete(this.pending.keys().next().value!);
		this.pending.set(deletion(keys), await storageOf(knex, keys));
	}

	/** After a delete: call synchronously from the action. */
	deleted(keys: Keys): Promise<void> {
		return this.gate.hold(async () => {
			const candidates = this.pending.get(deletion(keys)) ?? [];
			this.pending.delete(deletion(keys));
			await this.endpoints.reload();
			await dropStorage(this.context, candidates, { onlyUnused: true }).catch((error) => this.context.logger.warn(error, '[webhooks] could not drop the storage of a deleted endpoint'));
		});
	}
}

function deletion(keys: unknown): string {
	return JSON.stringify(keys);
}
