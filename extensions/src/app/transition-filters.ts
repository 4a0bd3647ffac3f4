// The "When a field changes from … to …" helper's result: previous_filter and filter that make an
// update fire only on that change. Typed values compare as the field stores them (a number field
// matches 3, not "3"). Pure, so it is unit-tested without a browser.

export interface TransitionFilters {
	previous_filter: Record<string, unknown>;
	filter: Record<string, unknown>;
}

const NUMBER_TYPES = ['integer', 'bigInteger', 'float', 'decimal'];

/** A typed-in value as the field's type stores it; text that does not fit stays text. */
export function typedValue(value: unknown, type: string | undefined): unknown {
	if (typeof value !== 'string') return value;
	const text = value.trim();
	if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
	if (type !== undefined && NUMBER_TYPES.includes(type) && text !== '' && Number.isFinite(Number(text))) return Number(text);
	return value;
}

export function transitionFilters(field: string, type: string | undefined, from: unknown, to: unknown): TransitionFilters {
	return {
		previous_filter: { [field]: { _eq: typedValue(from, type) } },
		filter: { [field]: { _eq: typedValue(to, type) } },
	};
}
