// Adapts Directus's action/filter hook arguments to the event capture.
import type { SchemaOverview } from '../../context';
import type { Runtime } from '../../runtime';
import type { EventSource } from './event-sources';
import type { ItemEvent } from './event-capture';
import { redact, secretFields } from './redact';
import { relationKeys } from './relation-keys';
import type { PendingWrite } from './write-payloads';

export interface HookMeta {
	key?: string | number;
	keys?: (string | number)[];
	payload?: unknown;
	collection?: string;
}

export interface HookContext {
	database: import('knex').Knex;
	schema: SchemaOverview | null;
	accountability: { user?: string | null; role?: string | null; admin?: boolean } | null;
}

export function onItemAction(runtime: Runtime, source: EventSource, meta: HookMeta, context: HookContext, details: Pick<ItemEvent, 'version'> = {}): void {
	// Most item writes match no webhook: leave before any per-event work.
	if (!meta.collection || runtime.registry.match(meta.collection, source.action).length === 0) return;
	const keys = meta.key !== undefined ? [meta.key] : (meta.keys ?? []);
	// Keys whose event was written inside the write's transaction are done.
	const rest = runtime.transactionCapture.remaining(meta.collection, source.action, keys);
	// Now committed, those are there for the sender.
	if (rest.length < keys.length) runtime.dispatcher.wake();
	if (rest.length === 0) return;
	runtime.capture.capture(itemEvent({ action: source.action, collection: meta.collection, payload: meta.payload, accountability: context.accountability, ...details }, rest, context.schema));
}

/** The event as deliveries carry it. */
export function itemEvent(write: PendingWrite, keys: (string | number)[], schema: SchemaOverview | null): ItemEvent {
	return {
		action: write.action,
		collection: write.collection,
		keys: typedKeys(keys, schema, write.collection),
		// Related items written inline keep only their keys: their data is not this collection's.
		payload: redact(relationKeys(write.payload, schema, write.collection), secretFields(schema, write.collection)),
		accountability: write.accountability,
		...(write.version ? { version: write.version } : {}),
	};
}

/** Item filter of a write: what its activity record will need (see transaction-capture). */
export function onItemFilter(runtime: Runtime, source: EventSource, input: unknown, meta: HookMeta, context: HookContext): void {
	const collection = meta.collection;
	if (!collection || runtime.registry.match(collection, source.action).length === 0) return;
	// Directus records no activity for these, so nothing would take the note: they go after the commit.
	if (context.accountability === null || context.schema?.collections[collection]?.accountability === null) return;
	const write = { action: source.action, collection, payload: source.action === 'delete' ? null : input, accountability: context.accountability };
	if (source.action === 'create') runtime.transactionCapture.noteCreate(context.database, write);
	else runtime.transactionCapture.noteChange(write, source.action === 'delete' ? (Array.isArray(input) ? input : []) : (meta.keys ?? []));
}

/** Keys from URLs arrive as text; send integer keys as numbers, as create events do. */
function typedKeys(keys: (string | number)[], schema: SchemaOverview | null, collection: string): (string | number)[] {
	const info = schema?.collections[collection];
	const type = info?.fields[info.primary]?.type;
	if (type !== 'integer' && type !== 'bigInteger') return keys;
	return keys.map((key) => (typeof key === 'string' && /^-?\d+$/.test(key) && Number.isSafeInteger(Number(key)) ? Number(key) : key));
}

/** Filter phase of update/delete: what deliveries will need from before the write (see before-write). */
export async function beforeItemWrite(runtime: Runtime, source: EventSource, input: unknown, meta: HookMeta, context: HookContext): Promise<void> {
	const collection = meta.collection;
	if (!collection || !context.schema || runtime.registry.match(collection, source.action).length === 0) return;
	// Update filters get the keys in meta; delete filters get them as the payload.
	const keys = source.action === 'delete' ? (Array.isArray(input) ? input : []) : (meta.keys ?? []);
	const write = { knex: context.database, schema: context.schema, accountability: context.accountability as never };
	await runtime.beforeWrite.read(write, collection, source.action as 'update' | 'delete', keys as (string | number)[]);
}
