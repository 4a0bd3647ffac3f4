// Values that must never leave Directus in a webhook body, whoever owns the webhook: hashed
// fields (passwords), concealed ones (static tokens, 2FA secrets) and encrypted ones (AI API keys,
// deployment credentials), identified by their field specials; and fields Directus keeps secret
// without a special, such as the SSO refresh tokens in directus_users.auth_data.
import { MASK } from '../../../shared/webhook';
import type { SchemaOverview } from '../../context';

const SECRET_SPECIALS = new Set(['hash', 'conceal', 'encrypt']);
const SECRET_WITHOUT_SPECIAL: Record<string, string[]> = { directus_users: ['auth_data'] };

export function secretFields(schema: SchemaOverview | null, collection: string): string[] {
	const fields = schema?.collections[collection]?.fields ?? {};
	const marked = Object.values(fields)
		.filter((field) => (field.special ?? []).some((special) => SECRET_SPECIALS.has(special)))
		.map((field) => field.field);
	const known = SECRET_WITHOUT_SPECIAL[collection];
	return known ? [...marked, ...known.filter((field) => !marked.includes(field))] : marked;
}

export function redact<T>(values: T, fields: string[]): T {
	if (fields.length === 0 || !values || typeof values !== 'object' || Array.isArray(values)) return values;
	const copy: Record<string, unknown> = { ...(values as Record<string, unknown>) };
	for (const field of fields) if (copy[field] !== undefined && copy[field] !== null) copy[field] = MASK;
	return copy as T;
}

/**
 * An item as read for a webhook, nested relations included (`fields: ['*', 'user_created.*']`):
 * each level is redacted for its own collection, so a related user's auth_data is masked too.
 */
export function redactItem<T>(schema: SchemaOverview, collection: string, item: T): T {
	if (!item || typeof item !== 'object' || Array.isArray(item)) return item;
	const copy: Record<string, unknown> = { ...(redact(item, secretFields(schema, collection)) as Record<string, unknown>) };
	for (const [key, value] of Object.entries(copy)) {
		if (!value || typeof value !== 'object') continue;
		const related = relatedCollection(schema, collection, key);
		if (related === null) continue;
		copy[key] = Array.isArray(value) ? value.map((entry) => redactItem(schema, related, entry)) : redactItem(schema, related, value);
	}
	return copy as T;
}

/** The collection a relational field leads to: many-to-one or one-to-many (null otherwise). */
function relatedCollection(schema: SchemaOverview, collection: string, field: string): string | null {
	for (const relation of schema.relations) {
		if (relation.collection === collection && relation.field === field) return relation.related_collection;
		if (relation.related_collection === collection && relation.meta?.one_field === field) return relation.collection;
	}
	return null;
}
