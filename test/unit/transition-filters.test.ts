import { describe, expect, it } from 'vitest';
import { transitionFilters, typedValue } from '../../extensions/src/app/transition-filters';

describe('transitionFilters', () => {
	it('makes previous_filter the "from" value and filter the "to" value of the field', () => {
		expect(transitionFilters('status', 'string', 'draft', 'published')).toEqual({
			previous_filter: { status: { _eq: 'draft' } },
			filter: { status: { _eq: 'published' } },
		});
	});

	it('compares numbers and booleans as the field stores them; text that does not fit stays text', () => {
		expect(transitionFilters('stage', 'integer', '1', ' 2 ')).toEqual({ previous_filter: { stage: { _eq: 1 } }, filter: { stage: { _eq: 2 } } });
		expect(typedValue('false', 'boolean')).toBe(false);
		expect(typedValue('1.5', 'decimal')).toBe(1.5);
		expect(typedValue('two', 'integer')).toBe('two');
		expect(typedValue('', 'integer')).toBe('');
		expect(typedValue('42', 'string')).toBe('42');
		// Choices of a dropdown arrive typed already.
		expect(typedValue(3, 'integer')).toBe(3);
	});
});
