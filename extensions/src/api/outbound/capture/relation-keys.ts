// A write's payload as webhooks may keep it: related items written inline (an M2O object, O2M or
// M2M lists and { create, update, delete } changes) become their keys. Directus's action payload
// keeps them as sent, so without this a nested user's password or a row of a collection the
// webhook's owners cannot read would be stored in event_data and sent inside a readable field.
import type { SchemaOverview } from '../../context';

type Key = string | number;

/**
 * The payload with each relational field's objects replaced by keys: an M2O object by its
 * primary key (null when it has none yet), a list by the list of keys, changes by
 * `{ create: <count>, update: [keys], delete: [keys] }`. Only object values are looked at.
 */
export function relationKeys<T>(payload: T, schema: SchemaOverview | null, collection: string): T {
	if (!schema || !payload || typeof payload !== 'object' || Array.isArray(payload)) return payload;
	let copy: Record<string, unknown> | null = null;
	for (const [field, value] of Object.entries(payload as Record<string, unknown>)) {
		if (!value || typeof value !== 'object') continue;
		const related = relatedCollection(schema, collection, field);
		if (related === undefined) continue;
		copy ??= { ...(payload as Record<string, unknown>) };
		copy[field] = keysOf(value, related, schema);
	}
	return (copy ?? payload) as T;
}

/** The collection on the other side (null when not known, as in M2A), or undefined if not relational. */
function relatedCollection(schema: SchemaOverview, collection: string, field: string): string | null | undefined {
	for (const relation of schema.relations) {
		if (relation.collection === collection && relation.field === field) return relation.related_collection;
		if (relation.related_collection === collection && relation.meta?.one_field === field) return relation.collection;
	}
	// An alias without a relation we can follow: keep no data from it either.
	return schema.collections[collection]?.fields[field]?.type === 'alias' ? null : undefined;
}

function keysOf(value: object, related: string | null, schema: SchemaOverview): unknown {
	if (Array.isArray(value)) return value.map((item) => keyOf(item, related, schema));
	const changes = value as Record<string, unknown>;
	if ('create' in changes || 'update' in changes || 'delete' in changes) {
		return {
			create: Array.isArray(changes.create) ? changes.create.length : 0,
			update: Array.isArray(changes.update) ? changes.update.map((item) => keyOf(item, related, schema)) : [],
			delete: Array.isArray(changes.delete) ? changes.delete.map((item) => keyOf(item, related, schema)) : [],
		};
	}
	return keyOf(value, related, schema);
}

function keyOf(item: unknown, related: string | null, schema: SchemaOverview): Key | null {
	if (typeof item === 'string' || typeof item === 'number') return item;
	const primary = related ? schema.collections[related]?.primary : undefined;
	const key = primary && item && typeof item === 'object' ? (item as Record<string, unknown>)[primary] : undefined;
	return typeof key === 'string' || typeof key === 'number' ? key : null;
}
