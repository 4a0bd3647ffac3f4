// Adapts Directus's action/filter hook arguments to the event capture.
import type { SchemaOverview } from '../../context';
import type { Runtime } from '../../runtime';
import type { EventSource } from './event-sources';
import type { ItemEvent } from './event-capture';
import { isUploadBookkeeping } from './upload-bookkeeping';
import { redact, secretFields } from './redact';
import { relationKeys } from './relation-keys';

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
	if (source.action === 'update' && isUploadBookkeeping(meta.collection, meta.payload)) return;
	const keys = meta.key !== undefined ? [meta.key] : (meta.keys ?? []);
	runtime.capture.capture({
		action: source.action,
		collection: meta.collection,
		keys: typedKeys(keys, context.schema, meta.collection),
		// Related items written inline keep only their keys: their data is not this collection's.
		payload: redact(relationKeys(meta.payload, context.schema, meta.collection), secretFields(context.schema, meta.collection)),
		accountability: context.accountability,
		...details,
	});
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
