// group_nested: one request that edits a parent's related items (O2M lists, M2M junctions, items
// created inline) makes Directus write and announce every child row on its own, so a webhook on
// all those collections got one delivery per child. With the option on, the children's deliveries
// written in that request's transaction are folded into the parent's delivery, which lists their
// keys under `nested`. Directus writes the children before the parent's activity record (all in
// one transaction), so the parent, captured last, takes the children written before it.
import type { SchemaOverview } from '../../context';
import type { WebhookAction } from '../../../shared/webhook';
import type { NewDelivery } from '../queue/delivery-store';
import type { WebhookRegistry } from '../config/webhook-registry';
import { READERS_BEFORE } from './prior-access';

/** The event_data field listing a parent's folded children. */
export const NESTED = 'nested';

/** The children of one collection and action; for deletes checked before the write, who could read each key then. */
export interface NestedGroup {
	collection: string;
	action: WebhookAction;
	keys: (string | number)[];
	[READERS_BEFORE]?: Record<string, string[]>;
}

interface Written {
	webhook: number;
	collection: string;
	messageId: string;
	/** The child itself, and what was folded into it before (a grandchild). */
	groups: NestedGroup[];
}

export class NestedGroups {
	private readonly registry: WebhookRegistry;
	private readonly written = new WeakMap<object, Written[]>();

	constructor(registry: WebhookRegistry) {
		this.registry = registry;
	}

	/**
	 * Moves the children written before it in `trx` into these deliveries of a parent write (when its
	 * payload wrote related items), in place; returns the children's message ids, to delete.
	 */
	fold(trx: object, collection: string, payload: unknown, schema: SchemaOverview | null, entries: NewDelivery[]): string[] {
		const written = this.written.get(trx);
		if (!written || written.length === 0 || !schema || !writesRelations(payload, schema, collection)) return [];
		const related = relatedCollections(schema, collection);
		const folded = new Set<Written>();
		for (const entry of entries) {
			if (!this.registry.get(entry.webhook)?.groupNested) continue;
			const children = written.filter((child) => child.webhook === entry.webhook && related.has(child.collection) && !folded.has(child));
			if (children.length === 0) continue;
			for (const child of children) folded.add(child);
			entry.event_data = { ...entry.event_data, [NESTED]: merge(children.flatMap((child) => child.groups)) };
		}
		if (folded.size === 0) return [];
		this.written.set(trx, written.filter((child) => !folded.has(child)));
		return [...folded].map((child) => child.messageId);
	}

	/** Deliveries just written in `trx` that a parent written later may fold. */
	track(trx: object, entries: NewDelivery[]): void {
		const grouping = entries.filter((entry) => entry.collection !== null && entry.item_key !== null && this.registry.get(entry.webhook)?.groupNested);
		if (grouping.length === 0) return;
		let written = this.written.get(trx);
		if (!written) this.written.set(trx, (written = []));
		for (const entry of grouping) {
			const data = entry.event_data;
			const key = (data.key ?? (data.keys as unknown[] | undefined)?.[0] ?? entry.item_key) as string | number;
			const readers = data[READERS_BEFORE];
			const own: NestedGroup = { collection: entry.collection!, action: data.action as WebhookAction, keys: [key] };
			if (Array.isArray(readers)) own[READERS_BEFORE] = { [String(key)]: readers as string[] };
			written.push({ webhook: entry.webhook, collection: entry.collection!, messageId: entry.message_id, groups: [own, ...((data[NESTED] as NestedGroup[] | undefined) ?? [])] });
		}
	}
}

/** Whether the payload writes a relational field (an O2M/M2M list or changes, an M2O object). */
function writesRelations(payload: unknown, schema: SchemaOverview, collection: string): boolean {
	if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return false;
	return Object.entries(payload).some(([field, value]) => value !== null && typeof value === 'object' && isRelational(schema, collection, field));
}

function isRelational(schema: SchemaOverview, collection: string, field: string): boolean {
	return schema.relations.some(
		(relation) => (relation.collection === collection && relation.field === field) || (relation.related_collection === collection && relation.meta?.one_field === field),
	);
}

/** Collections reachable from `collection` through relations (a junction's far side too), itself excluded. */
function relatedCollections(schema: SchemaOverview, collection: string): Set<string> {
	const seen = new Set([collection]);
	const queue = [collection];
	while (queue.length > 0) {
		const current = queue.shift()!;
		for (const relation of schema.relations) {
			const others = relation.collection === current ? [relation.related_collection, ...(relation.meta?.one_allowed_collections ?? [])] : relation.related_collection === current ? [relation.collection] : [];
			for (const other of others) {
				if (typeof other === 'string' && !seen.has(other)) {
					seen.add(other);
					queue.push(other);
				}
			}
		}
	}
	seen.delete(collection);
	return seen;
}

/** One group per collection and action, keys in the order written. */
function merge(groups: NestedGroup[]): NestedGroup[] {
	const byKind = new Map<string, NestedGroup>();
	for (const group of groups) {
		const kind = `${group.collection}\u0000${group.action}`;
		const into = byKind.get(kind);
		if (!into) {
			byKind.set(kind, { ...group, keys: [...group.keys], ...(group[READERS_BEFORE] ? { [READERS_BEFORE]: { ...group[READERS_BEFORE] } } : {}) });
			continue;
		}
		into.keys.push(...group.keys);
		if (group[READERS_BEFORE]) into[READERS_BEFORE] = { ...into[READERS_BEFORE], ...group[READERS_BEFORE] };
	}
	return [...byKind.values()];
}
