// What a non-admin may ask of the delivery log. The log is read with system rights (it is closed
// to them through /items), and its event_data holds the write's unfiltered payload and the full
// previous row: so non-admins get a fixed set of fields, and a filter, sort, aggregate or group
// may only name those fields (no relational paths), or it would be an oracle on the rest.
import { InvalidQueryError } from '@directus/errors';

/** Delivery fields a non-admin may read, filter, sort and group by. */
export const PUBLIC_DELIVERY_FIELDS = ['id', 'webhook', 'message_id', 'event', 'collection', 'item_key', 'status', 'attempts', 'next_attempt_at', 'last_status', 'last_error', 'created_at', 'finished_at'];

/** Parameters a non-admin may pass (as Directus sanitized them: groupBy is group); alias or deep could reach other fields. */
const PUBLIC_PARAMETERS = new Set(['fields', 'filter', 'sort', 'limit', 'offset', 'page', 'search', 'aggregate', 'group', 'meta']);

type Query = Record<string, unknown>;

/** The query as a non-admin may run it, or a 400 naming every field and parameter refused. */
export function publicDeliveryQuery(query: Query): Query {
	const refused = new Set<string>();
	const allowed = new Set(PUBLIC_DELIVERY_FIELDS);
	const check = (field: unknown, parameter: string) => {
		if (typeof field !== 'string' || !allowed.has(field)) refused.add(`${parameter}: "${String(field)}"`);
	};
	for (const parameter of Object.keys(query)) if (!PUBLIC_PARAMETERS.has(parameter)) refused.add(`${parameter}: not available`);
	const fields = list(query.fields);
	for (const field of fields) if (field !== '*') check(field, 'fields');
	checkFilter(query.filter, (field) => check(field, 'filter'));
	for (const field of list(query.sort)) check(field.replace(/^-/, ''), 'sort');
	for (const field of list(query.group)) check(field, 'groupBy');
	if (query.aggregate && typeof query.aggregate === 'object') {
		for (const fieldsOf of Object.values(query.aggregate as Record<string, unknown>)) for (const field of list(fieldsOf)) if (field !== '*') check(field, 'aggregate');
	}
	if (refused.size > 0) {
		throw new InvalidQueryError({ reason: `not available in the delivery log: ${[...refused].join('; ')}` });
	}
	const chosen = fields.filter((field) => field !== '*');
	return { ...query, fields: chosen.length > 0 ? chosen : PUBLIC_DELIVERY_FIELDS };
}

function list(value: unknown): string[] {
	if (value === undefined || value === null) return [];
	if (Array.isArray(value)) return value.map(String);
	return String(value).split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
}

/** Every field a filter names: top-level fields with operators only, through _and/_or. */
function checkFilter(filter: unknown, check: (field: string) => void): void {
	if (filter === undefined || filter === null) return;
	if (typeof filter !== 'object' || Array.isArray(filter)) return check(String(filter));
	for (const [key, value] of Object.entries(filter as Record<string, unknown>)) {
		if (key === '_and' || key === '_or') {
			for (const part of Array.isArray(value) ? value : [value]) checkFilter(part, check);
			continue;
		}
		check(key);
		// A field's value holds operators; another field name would be a relational path.
		if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some((operator) => !operator.startsWith('_'))) check(`${key}.…`);
	}
}
