// Values that must never leave Directus in a webhook body: hashed fields (passwords) and
// concealed ones (static tokens, 2FA secrets), identified by their field specials.
import { MASK } from '../../shared/webhook';
import type { SchemaOverview } from '../context';

const SECRET_SPECIALS = new Set(['hash', 'conceal']);

export function secretFields(schema: SchemaOverview | null, collection: string): string[] {
	const fields = schema?.collections[collection]?.fields ?? {};
	return Object.values(fields)
		.filter((field) => (field.special ?? []).some((special) => SECRET_SPECIALS.has(special)))
		.map((field) => field.field);
}

export function redact<T>(values: T, fields: string[]): T {
	if (fields.length === 0 || !values || typeof values !== 'object' || Array.isArray(values)) return values;
	const copy: Record<string, unknown> = { ...(values as Record<string, unknown>) };
	for (const field of fields) if (copy[field] !== undefined && copy[field] !== null) copy[field] = MASK;
	return copy as T;
}
