// Secret header values are masked where Directus returns `headers` itself (WebhookConfig.maskItem);
// a query could carry them out under another name, through a function or in an order, so
// such queries are refused before Directus runs them.
import { InvalidQueryError } from '@directus/errors';

/**
 * Refuses (400) aliases of `headers`, functions of it (json(), …), aggregates other than counts,
 * sorting on it and filters that compare its value: each would carry or reveal secret values.
 * Selecting, grouping, counting and null/empty filters stay allowed.
 */
export function guardHeadersQuery<T>(query: T): T {
	if (!query || typeof query !== 'object') return query;
	const { fields, groupBy, alias, sort, aggregate, filter } = query as Record<string, unknown>;
	const refuse = (how: string) => {
		throw new InvalidQueryError({ reason: `"headers" holds secret values and cannot be ${how}` });
	};
	const requested = list(fields);
	for (const entry of [...requested, ...list(groupBy)]) if (revealsHeaders(entry)) refuse(`read through ${entry}`);
	// An alias only takes effect when selected (by name or wildcard); GraphQL sends unused ones.
	const selects = (key: string) => requested.length === 0 || requested.some((entry) => entry === key || entry.startsWith(`${key}.`) || entry.startsWith('*'));
	for (const [key, target] of Object.entries(alias && typeof alias === 'object' ? alias : {})) {
		if (carriesHeaders(String(target)) && selects(key)) refuse('aliased');
	}
	for (const entry of list(sort)) if (carriesHeaders(entry.replace(/^-/, ''))) refuse('sorted on');
	for (const [fn, targets] of Object.entries(aggregate && typeof aggregate === 'object' ? aggregate : {})) {
		if (!HARMLESS_AGGREGATES.has(fn) && list(targets).includes('headers')) refuse(`aggregated with ${fn}`);
	}
	const walk = (node: unknown): void => {
		if (Array.isArray(node)) return node.forEach(walk);
		if (!node || typeof node !== 'object') return;
		for (const [key, value] of Object.entries(node)) {
			if (revealsHeaders(key)) refuse(`filtered through ${key}`);
			// A comparison would answer yes/no questions about the value, one guess at a time.
			if (key === 'headers' && !isPresenceTest(value)) refuse('compared in a filter');
			walk(value);
		}
	};
	walk(filter);
	return query;
}

// Directus query functions over `headers` (json(headers, path), …); count() reveals no value.
const FUNCTION_OF_HEADERS = /^\s*(\w+)\(\s*headers\b/;
const HARMLESS_AGGREGATES = new Set(['count', 'countDistinct', 'countAll']);

const PRESENCE_OPERATORS = new Set(['_null', '_nnull', '_empty', '_nempty']);

function isPresenceTest(condition: unknown): boolean {
	return !!condition && typeof condition === 'object' && !Array.isArray(condition) && Object.keys(condition).every((operator) => PRESENCE_OPERATORS.has(operator));
}

function revealsHeaders(entry: string): boolean {
	const match = FUNCTION_OF_HEADERS.exec(entry);
	return match !== null && match[1] !== 'count';
}

function carriesHeaders(entry: string): boolean {
	return entry.trim() === 'headers' || revealsHeaders(entry);
}

function list(value: unknown): string[] {
	const entries = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
	return entries.map((entry) => String(entry).trim());
}
