// Stores accepted requests through Directus's ItemsService, so `items.create` fires (Flows with an
// event trigger on the collection run) and each row is committed before its caller hears 2xx.
// Requests arriving while a write is under way are committed together in one transaction (group
// commit): one commit instead of one per request, which is what bounds throughput. A group also
// waits briefly for the callers just answered to come back (see group-gathering).
// A group is Directus's own ItemsService.createMany, so each row gets the same processing and
// events as a row written in the Data Studio; its rows' writes overlap (see pipelined-items).
// A redelivery is caught by the unique index on dedupe_key (endpoint and delivery id; delivery_id in
// storage made before storage could be shared) and answered from the original row.
// A collection with a blocking Flow on its create event is written one request at a time and the
// row read back, so the answer shows what the Flow changed; a Flow's rejection is its own error.
import { isDirectusError } from '@directus/errors';
import type { ExtensionContext, SchemaOverview } from '../../context';
import { databaseClient } from '../../db/database-client';
import { MAX_JSON_DEPTH } from '../http/body-parser';
import { gatherDelay } from './group-gathering';
import { pipelinedItemsService } from './pipelined-items';
import type { BlockingFlows } from './blocking-flows';
import { flowRejection } from './flow-rejection';
import { DEDUPE_FIELD, ensureStorage, storageChanges, storesResponse, type StorageTarget } from './storage-collection';

type Row = Record<string, unknown>;

export interface Recorded {
	item: Row;
	/** True when the delivery id was stored before: nothing was written. */
	duplicate: boolean;
	/** The row as stored, read back after a blocking Flow may have changed it. */
	readBack?: true;
}

/** A blocking Flow refused the request: nothing was stored. */
export class FlowRejection extends Error {}

interface Pending {
	row: Row;
	/** When it arrived (performance.now()). */
	at: number;
	resolve: (recorded: Recorded) => void;
	reject: (error: unknown) => void;
}

interface Queue {
	target: StorageTarget;
	waiting: Pending[];
	/** Groups being written now. */
	writers: number;
	/** When the last group ended: requests in play then (its own and those waiting), the time and how long it took (performance.now() ms). */
	last: { expected: number; endedAt: number; durationMs: number };
	/** Starts the next group once gathering is over. */
	timer: NodeJS.Timeout | null;
}

// How often one instance may re-read the whole schema for a collection it does not know yet.
const SCHEMA_REFRESH_MS = 1_000;
// Directus deep-clones its whole schema on every getSchema(): reuse one for this long. Our own
// storage changes drop it at once (storageChanges); others, made in the Data Studio, apply after this.
const SCHEMA_REUSE_MS = 1_000;
// Bounds one transaction (and the wait of the requests in it).
const MAX_GROUP = 200;
const MARIADB_JSON_DEPTH = 31;
// Groups written at once per collection; SQLite has one connection, so there one at a time.
const PARALLEL_GROUPS = 4;

export class RequestRecorder {
	private readonly context: ExtensionContext;
	private readonly queues = new Map<string, Queue>();
	private lastRefresh = 0;
	/** Storage collections already given the response field (or tried). */
	private readonly upgraded = new Set<string>();
	private schema: { value: SchemaOverview; at: number; changes: number } | null = null;

	private readonly parallelGroups: number;
	/** How deep request JSON may nest and still be stored as JSON here (see storedRequest). */
	readonly maxJsonDepth: number;
	private readonly ItemsService: ReturnType<typeof pipelinedItemsService>;

	private readonly flows: BlockingFlows;

	constructor(context: ExtensionContext, flows: BlockingFlows) {
		this.context = context;
		this.flows = flows;
		this.ItemsService = pipelinedItemsService(context.services.ItemsService);
		const client = databaseClient(context.database);
		this.parallelGroups = client === 'sqlite' ? 1 : PARALLEL_GROUPS;
		// MariaDB's JSON type refuses documents nested 32 levels or deeper (MySQL's, 100).
		this.maxJsonDepth = client === 'mysql' ? MARIADB_JSON_DEPTH : MAX_JSON_DEPTH;
	}

	record(target: StorageTarget, row: Row): Promise<Recorded> {
		const blocking = this.flows.on(target.collection);
		if (blocking instanceof Promise) return blocking.then(() => this.record(target, row));
		if (blocking) return this.recordAlone(target, row);
		return new Promise((resolve, reject) => {
			let queue = this.queues.get(target.collection);
			if (!queue) {
				queue = { target, waiting: [], writers: 0, last: { expected: 0, endedAt: 0, durationMs: 0 }, timer: null };
				this.queues.set(target.collection, queue);
			}
			queue.target = target;
			queue.waiting.push({ row, at: performance.now(), resolve, reject });
			if (queue.writers < this.parallelGroups) this.startWhenGathered(queue);
		});
	}

	/** Starts writing now, or once the group has gathered (a timer, or the arrival that fills it). */
	private startWhenGathered(queue: Queue): void {
		const delay = this.gatherDelay(queue);
		if (delay === 0) {
			if (queue.timer) clearTimeout(queue.timer);
			queue.timer = null;
			void this.drain(queue);
		} else {
			queue.timer ??= setTimeout(() => {
				queue.timer = null;
				if (queue.writers < this.parallelGroups) this.startWhenGathered(queue);
			}, delay);
		}
	}

	private gatherDelay(queue: Queue): number {
		if (queue.waiting.length === 0) return 0;
		const { expected, endedAt, durationMs } = queue.last;
		return gatherDelay({ waiting: queue.waiting.length, oldestAt: queue.waiting[0]!.at, expected, lastEndedAt: endedAt, lastDurationMs: durationMs, now: performance.now() });
	}

	/** Writes what waits, group by group, until nothing does. Several groups overlap where the database has several connections. */
	private async drain(queue: Queue): Promise<void> {
		queue.writers += 1;
		while (queue.waiting.length > 0 && this.gatherDelay(queue) === 0) {
			const group = queue.waiting.splice(0, MAX_GROUP);
			if (queue.waiting.length > 0 && queue.writers < this.parallelGroups) void this.drain(queue);
			const startedAt = performance.now();
			try {
				const schema = await this.schemaWith(queue.target);
				await this.writeGroup(queue.target.collection, schema, group);
			} catch (error) {
				for (const pending of group) pending.reject(error);
			}
			const endedAt = performance.now();
			queue.last = { expected: group.length + queue.waiting.length, endedAt, durationMs: endedAt - startedAt };
		}
		queue.writers -= 1;
		// Requests that came while the group was written and are still gathering.
		if (queue.waiting.length > 0 && queue.writers < this.parallelGroups) this.startWhenGathered(queue);
	}

	private async writeGroup(collection: string, schema: SchemaOverview, group: Pending[]): Promise<void> {
		const items = this.items(collection, schema);
		const ids = group.map((pending) => pending.row.dedupe_key ?? pending.row.delivery_id).filter((id) => id !== null && id !== undefined);
		// A group holding one delivery id twice would fail as a whole: those go one by one.
		if (group.length > 1 && new Set(ids).size === ids.length) {
			try {
				const keys: unknown[] = await items.createMany(group.map((pending) => given(pending.row)));
				group.forEach((pending, index) => pending.resolve({ item: { ...pending.row, id: keys[index] }, duplicate: false }));
				return;
			} catch {
				// One redelivery or one row the database refuses (whatever the error) rolls the group
				// back: each is written again on its own, so one bad request never fails another.
			}
		}
		for (const pending of group) {
			try {
				pending.resolve(await this.writeOne(items, schema, pending.row));
			} catch (error) {
				pending.reject(error);
			}
		}
	}

	/** Written on its own (a blocking Flow runs first) and read back as stored. */
	private async recordAlone(target: StorageTarget, row: Row): Promise<Recorded> {
		const schema = await this.schemaWith(target);
		const items = this.items(target.collection, schema);
		const recorded = await this.writeOne(items, schema, row);
		if (recorded.duplicate) return recorded;
		const stored = (await items.readByQuery({ filter: { id: { _eq: recorded.item.id } }, limit: 1 }))[0];
		return stored ? { item: stored as Row, duplicate: false, readBack: true } : recorded;
	}

	private async writeOne(items: ReturnType<RequestRecorder['items']>, schema: SchemaOverview, row: Row): Promise<Recorded> {
		try {
			const id = await items.createOne(given(row));
			return { item: { ...row, id }, duplicate: false };
		} catch (error) {
			const rejection = flowRejection(error);
			if (rejection !== null) throw new FlowRejection(rejection);
			if (row.delivery_id === null || row.delivery_id === undefined || !isDirectusError(error, 'RECORD_NOT_UNIQUE')) throw error;
			// Shared storage keys redeliveries per endpoint; storage made before, by delivery id alone.
			const filter = schema.collections[items.collection]?.fields[DEDUPE_FIELD] ? { [DEDUPE_FIELD]: { _eq: row.dedupe_key } } : { delivery_id: { _eq: row.delivery_id } };
			const [original] = await items.readByQuery({ filter, limit: 1 });
			if (!original) throw error;
			return { item: original as Row, duplicate: true };
		}
	}

	/**
	 * Keeps the answer given to a stored request whose template showed its id (known only after the
	 * write), for redeliveries. Not kept when the storage cannot hold it: the redelivery then gets
	 * the status and headers without a body, never a fresh render.
	 */
	async keepAnswer(target: StorageTarget, id: unknown, answer: object): Promise<void> {
		try {
			const schema = await this.currentSchema();
			if (!schema.collections[target.collection]?.fields.response) return;
			// Straight to the table: this is bookkeeping, not a change Flows should see as an update.
			await this.context.database(target.collection).where({ id }).update({ response: JSON.stringify(answer) });
		} catch (error) {
			this.context.logger.warn(error, `[webhooks] could not keep the answer of a request stored in ${target.collection}`);
		}
	}

	private items(collection: string, schema: SchemaOverview) {
		// Full rights: the endpoint's own authentication has already decided who may store.
		return new this.ItemsService(collection, { knex: this.context.database, schema, accountability: null });
	}

	private async currentSchema(): Promise<SchemaOverview> {
		const cached = this.schema;
		if (cached && cached.changes === storageChanges() && Date.now() - cached.at < SCHEMA_REUSE_MS) return cached.value;
		const changes = storageChanges();
		const value = await this.context.getSchema();
		this.schema = { value, at: Date.now(), changes };
		return value;
	}

	/** The schema, made to include the storage collection (created again if someone dropped it). */
	private async schemaWith(target: StorageTarget): Promise<SchemaOverview> {
		const schema = await this.currentSchema();
		const existing = schema.collections[target.collection];
		if (existing) {
			// Storage made before answers were kept gets the field with its first request (tried once
			// per collection: until it exists, answers are simply not kept).
			if (existing.fields.response || !storesResponse(target) || this.upgraded.has(target.collection)) return schema;
			this.upgraded.add(target.collection);
			try {
				await ensureStorage(this.context, target);
				return await this.currentSchema();
			} catch (error) {
				this.context.logger.warn(error, `[webhooks] could not add the response field to ${target.collection}`);
				return schema;
			}
		}
		const wait = this.lastRefresh + SCHEMA_REFRESH_MS - Date.now();
		if (wait > 0) await new Promise((done) => setTimeout(done, wait));
		this.lastRefresh = Date.now();
		await ensureStorage(this.context, target);
		const changes = storageChanges();
		const value = await this.context.getSchema({ database: this.context.database, bypassCache: true });
		this.schema = { value, at: Date.now(), changes };
		return value;
	}
}

/** The row without its null fields: they are NULL all the same, and Directus processes every field given. */
function given(row: Row): Row {
	return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null));
}
