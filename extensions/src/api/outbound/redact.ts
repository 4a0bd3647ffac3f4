// Values that must never leave Directus in a webhook body, whoever owns the webhook: hashed
// fields (passwords), concealed ones (static tokens, 2FA secrets) and encrypted ones (AI API keys,
// deployment credentials), identified by their field specials; and fields Directus keeps secret
// without a special, such as the SSO refresh tokens in directus_users.auth_data.
import { MASK } from '../../shared/webhook';
import type { SchemaOverview } from '../context';

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
