// The inbound-endpoints API, one instance per request like Directus's own services. Config goes
// through Directus's ItemsService with the caller's accountability (permissions apply, and the
// filter hooks validate and make the storage collection inside the write, see endpoint-changes),
// so the public URL works as soon as the caller has it.
import { ForbiddenError, InvalidPayloadError } from '@directus/errors';
import { ENDPOINTS_COLLECTION } from '../../../shared/collections';
import { endpointUrl, STORED_REQUEST_STATUSES, type AuthPreset, type FieldMapping } from '../../../shared/inbound-endpoint';
import type { Accountability, ExtensionContext, SchemaOverview } from '../../context';
import { EndpointValidationError } from '../../lib/errors';
import type { Runtime } from '../../runtime';
import { toJson, toNumber } from '../../db/rows';
import type { RefusedEntry, RefusedSummary } from '../refusals/refused-log';
import { generateEndpointSecret } from './endpoint-secrets';
import { dropStorage, ensureStorage, type StorageTarget } from '../storage/storage-collection';
import { storedRequest } from '../storage/stored-request';

type Query = Record<string, unknown>;
type Item = Record<string, unknown>;

export interface EndpointsServiceOptions {
	context: ExtensionContext;
	runtime: Runtime;
	schema: SchemaOverview;
	accountability: Accountability | null;
}

const RECENT_REQUESTS = 50;
const MAX_REFUSED = 1000;
const HOUR_MS = 3_600_000;

export class EndpointsService {
	private readonly options: EndpointsServiceOptions;

	constructor(options: EndpointsServiceOptions) {
		this.options = options;
	}

	private items(collection: string, schema = this.options.schema) {
		const { context, accountability } = this.options;
		return new context.services.ItemsService(collection, { knex: context.database, schema, accountability });
	}

	list(query: Query): Promise<Item[]> {
		return this.items(ENDPOINTS_COLLECTION).readByQuery(query);
	}

	read(id: number, query: Query = {}): Promise<Item> {
		return this.items(ENDPOINTS_COLLECTION).readOne(id, query);
	}

	/**
	 * Creates one or many endpoints; a generated secret appears once, as `secret`, in this response.
	 * When Directus refuses a storage collection (a licence's collection limit, say) the whole write
	 * is refused: no endpoint is left behind without one.
	 */
	async create(input: unknown): Promise<Item | Item[]> {
		const many = Array.isArray(input);
		const inputs = many ? input : [input];
		if (inputs.length === 0 || inputs.some((item) => !item || typeof item !== 'object' || Array.isArray(item))) {
			throw new EndpointValidationError({ errors: [{ field: '(body)', reason: 'must be an endpoint object or a non-empty array of endpoint objects' }] });
		}
		const { context, runtime, schema } = this.options;
		// The whole batch first: no storage is made for endpoints the quota would refuse.
		await runtime.endpointConfig.assertRoomFor(context.database, this.options.accountability, inputs.length);
		const generated = inputs.map((item: Item) => (item.secrets === undefined && typeof item.auth === 'string' ? generateEndpointSecret(item.auth as AuthPreset) : null));
		const prepared: Item[] = [];
		for (const [index, item] of (inputs as Item[]).entries()) {
			prepared.push(await runtime.endpointConfig.prepareCreate(generated[index] === null ? item : { ...item, secrets: [generated[index]] }, context.database, schema, this.options.accountability));
		}
		let keys: (string | number)[];
		try {
			keys = await this.items(ENDPOINTS_COLLECTION).createMany(prepared);
		} catch (error) {
			// Where the refused write could not take its storage back (MariaDB), it goes before the answer.
			const fresh = prepared.map((item) => String(item.collection)).filter((collection) => !schema.collections[collection]);
			await dropStorage(context, fresh, { onlyUnused: true }).catch((failure) => context.logger.warn(failure, '[webhooks] could not drop the storage of refused endpoints'));
			throw error;
		}
		await runtime.endpoints.reload();
		const created: Item[] = await this.items(ENDPOINTS_COLLECTION).readMany(keys);
		const byKey = new Map(created.map((item) => [String(item.id), item]));
		const result = keys.map((key, index) => ({ ...byKey.get(String(key)), ...(generated[index] === null ? {} : { secret: generated[index] }) }));
		return many ? result : result[0]!;
	}

	async update(id: number, input: unknown): Promise<Item> {
		if (!input || typeof input !== 'object' || Array.isArray(input)) {
			throw new EndpointValidationError({ errors: [{ field: '(body)', reason: 'must be an object with the fields to change' }] });
		}
		await this.items(ENDPOINTS_COLLECTION).updateOne(id, input);
		// Every instance serves the new config (the hook's reload runs after this answer).
		await this.options.runtime.endpoints.reload();
		return this.read(id);
	}

	/**
	 * Deletes endpoints. Their storage collections stay when they hold requests unless
	 * `dropCollections` is set; empty ones go before the answer (the delete hook drops them too,
	 * just after the answer, for deletes through /items and GraphQL).
	 */
	async delete(ids: number[], dropCollections: boolean): Promise<void> {
		// Checked first, so a refused drop does not leave the endpoint deleted and its data orphaned.
		// Directus's own rule: only admins may drop a collection.
		if (dropCollections && this.options.accountability && !this.options.accountability.admin) throw new ForbiddenError();
		const endpoints: Item[] = await this.items(ENDPOINTS_COLLECTION).readMany(ids, { fields: ['id', 'collection'] });
		await this.items(ENDPOINTS_COLLECTION).deleteMany(ids);
		await this.options.runtime.endpoints.reload();
		const collections = endpoints.map((endpoint) => endpoint.collection).filter((collection): collection is string => typeof collection === 'string' && collection !== '');
		await dropStorage(this.options.context, collections, { onlyUnused: !dropCollections });
	}

	/** A new generated secret; the previous ones keep verifying for WEBHOOKS_SECRET_OVERLAP. */
	async rotateSecret(id: number): Promise<{ secret: string; previous_valid_until: number }> {
		const { runtime, context } = this.options;
		const endpoint = await this.read(id, { fields: ['id', 'auth'] });
		const secret = generateEndpointSecret(endpoint.auth as AuthPreset);
		if (secret === null) {
			const reason = endpoint.auth === 'none' ? 'this endpoint has no authentication' : `the provider issues ${String(endpoint.auth)} secrets: set the new one with PATCH { "secrets": [...] }`;
			throw new InvalidPayloadError({ reason });
		}
		const current = await context.database(ENDPOINTS_COLLECTION).first('secrets').where({ id });
		await this.items(ENDPOINTS_COLLECTION).updateOne(id, { secrets: runtime.endpointConfig.rotated(current?.secrets, secret) });
		await runtime.endpoints.reload();
		return { secret, previous_valid_until: Date.now() + runtime.settings.secretOverlapMs };
	}

	/**
	 * Stores a sample request as if a caller had sent one (the expected body and headers, marked
	 * `x-webhooks-test`), so Flows on the collection run; authentication is the admin's own.
	 */
	async test(id: number): Promise<Item> {
		const { runtime } = this.options;
		const item = await this.read(id, { fields: ['id', 'suffix'] });
		// Writing a test row needs the right to change the endpoint; this update writes nothing.
		if (this.options.accountability && !this.options.accountability.admin) await this.items(ENDPOINTS_COLLECTION).updateOne(id, {}, { emitEvents: false });
		await runtime.endpoints.reload();
		const endpoint = runtime.endpoints.find(String(item.suffix));
		if (!endpoint) throw new ForbiddenError();
		const body = Buffer.from(JSON.stringify(endpoint.expectedBody ?? { test: true }));
		const headers: Record<string, string> = { 'content-type': 'application/json', 'x-webhooks-test': 'true' };
		for (const name of endpoint.expectedHeaders) headers[name] ??= 'test';
		const query = Object.fromEntries(endpoint.expectedQuery.map((name) => [name, 'test']));
		const stored = storedRequest({
			endpointId: endpoint.id,
			method: endpoint.methods.includes('POST') ? 'POST' : endpoint.methods[0]!,
			path: new URL(endpointUrl(runtime.settings.publicUrl, endpoint.suffix), 'http://localhost').pathname,
			query,
			headers,
			rawBody: body,
			ip: this.options.accountability?.ip ?? null,
			verified: false,
			keepRaw: false,
			deliveryId: null,
			mappings: endpoint.fieldMappings,
			receivedAt: new Date(),
		});
		const recorded = await runtime.recorder.record(endpoint, stored.row);
		return recorded.item;
	}

	/**
	 * Stores a copy of a stored request (`replay_of` names it) so the collection's Flows run again.
	 * The caller must be able to read the original and create rows in the storage collection
	 * themselves: a replay lets no one write what their own permissions would not.
	 */
	async replay(id: number, requestId: number): Promise<Item> {
		const endpoint = await this.read(id, { fields: ['id', 'name', 'suffix', 'collection', 'field_mappings'] });
		const { context } = this.options;
		const target = storageTarget(endpoint);
		let schema = await context.getSchema();
		if (!schema.collections[target.collection]) throw new ForbiddenError();
		// Storage made before replays existed gets the field now.
		if (!schema.collections[target.collection]!.fields.replay_of) {
			await ensureStorage(context, target);
			schema = await context.getSchema({ database: context.database, bypassCache: true });
		}
		await this.items(target.collection, schema).readOne(requestId, { fields: ['id'] });
		// All of it, as stored (the caller's read may leave fields out): they may create it all or nothing.
		const original: Item = await new context.services.ItemsService(target.collection, { knex: context.database, schema, accountability: null }).readOne(requestId);
		if (Number(original.endpoint) !== id) throw new ForbiddenError();
		// A new row: no delivery id nor its per-endpoint key (unique to the original), no kept answer.
		const { id: _id, delivery_id: _deliveryId, dedupe_key: _dedupeKey, response: _response, ...copy } = original;
		const key = await this.items(target.collection, schema).createOne({ ...copy, status: STORED_REQUEST_STATUSES[0], received_at: new Date().toISOString(), replay_of: requestId });
		return this.items(target.collection, schema).readOne(key);
	}

	/**
	 * The endpoint's refused calls, newest first (`limit`, at most 1,000), and how many of the last
	 * hour and why. They show callers' addresses and headers as stored requests do, so only to
	 * whoever may read the endpoint and its stored requests (all of them, in shared storage).
	 */
	async refused(id: number, query: Query): Promise<{ data: RefusedEntry[]; meta: { last_hour: RefusedSummary } }> {
		const endpoint = await this.read(id, { fields: ['collection'] });
		const schema = await this.options.context.getSchema();
		if (typeof endpoint.collection !== 'string' || !schema.collections[endpoint.collection]) throw new ForbiddenError();
		// Throws ForbiddenError without read permission on the storage collection.
		await this.items(endpoint.collection, schema).readByQuery({ fields: ['id'], limit: 1 });
		if (!(await this.readsAllRequestsOf(id, endpoint.collection, schema))) throw new ForbiddenError();
		const { refusals } = this.options.runtime;
		const limit = Math.min(MAX_REFUSED, Math.max(1, Math.floor(toNumber(query.limit) ?? RECENT_REQUESTS)));
		const [data, [lastHour]] = await Promise.all([refusals.list(id, { limit }), refusals.summary([id], Date.now() - HOUR_MS)]);
		return { data, meta: { last_hour: lastHour! } };
	}

	/**
	 * In storage other endpoints share, whether a non-admin's row rules leave them every stored
	 * request of this endpoint (all of the collection's rows while it has none yet). Directus cannot
	 * be asked about rows that do not exist: a rule is seen by the rows it hides.
	 */
	private async readsAllRequestsOf(id: number, collection: string, schema: SchemaOverview): Promise<boolean> {
		const { context, accountability } = this.options;
		if (!accountability || accountability.admin) return true;
		if (!(await context.database(ENDPOINTS_COLLECTION).first('id').where({ collection }).whereNot({ id }))) return true;
		const system = new context.services.ItemsService(collection, { knex: context.database, schema, accountability: null });
		const count = async (items: { readByQuery(query: Query): Promise<Item[]> }, filter?: Query) =>
			toNumber((await items.readByQuery({ aggregate: { count: ['*'] }, ...(filter ? { filter } : {}) }))[0]?.count) ?? 0;
		const own = { endpoint: { _eq: id } };
		const stored = await count(system, own);
		if (stored > 0) return (await count(this.items(collection, schema), own)) === stored;
		return (await count(this.items(collection, schema))) === (await count(system));
	}

	/** Recent stored requests of this endpoint (others may share its storage), read with the caller's permissions on the storage collection. */
	async requests(id: number, query: Query): Promise<Item[]> {
		const endpoint = await this.read(id, { fields: ['collection'] });
		const schema = await this.options.context.getSchema();
		if (typeof endpoint.collection !== 'string' || !schema.collections[endpoint.collection]) return [];
		const own = { endpoint: { _eq: id } };
		const filter = query.filter && typeof query.filter === 'object' ? { _and: [own, query.filter] } : own;
		return this.items(endpoint.collection, schema).readByQuery({ sort: ['-id'], limit: RECENT_REQUESTS, ...query, filter } as Query);
	}
}

/** The storage collections of the given endpoints. */
export async function storageOf(knex: ExtensionContext['database'], keys: (string | number)[]): Promise<string[]> {
	if (keys.length === 0) return [];
	const rows: { collection: string | null }[] = await knex(ENDPOINTS_COLLECTION).select('collection').whereIn('id', keys);
	return rows.map((row) => row.collection ?? '').filter(Boolean);
}

/** What an endpoint's storage collection needs to know of it. */
export function storageTarget(endpoint: Item): StorageTarget {
	return {
		name: String(endpoint.name),
		suffix: String(endpoint.suffix),
		collection: String(endpoint.collection),
		fieldMappings: toJson<FieldMapping[]>(endpoint.field_mappings, []) ?? [],
	};
}

/** Adds the computed public URL to endpoint items as they are read. */
export function withUrl(item: unknown, publicUrl: string | undefined): unknown {
	if (!item || typeof item !== 'object' || typeof (item as Item).suffix !== 'string') return item;
	return { ...(item as Item), url: endpointUrl(publicUrl, (item as Item).suffix as string) };
}
