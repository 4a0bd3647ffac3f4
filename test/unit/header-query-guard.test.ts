import { describe, expect, it } from 'vitest';
import { guardHeadersQuery } from '../../extensions/src/api/outbound/config/header-query-guard';

const refused = (query: Record<string, unknown>) => () => guardHeadersQuery(query);

describe('guardHeadersQuery', () => {
	it('lets ordinary queries through unchanged', () => {
		for (const query of [
			{},
			{ fields: ['*'] },
			{ fields: ['id', 'name', 'headers'], sort: ['-id'], filter: { name: { _eq: 'x' } } },
			{ fields: 'id,headers', groupBy: ['headers'] },
			{ aggregate: { count: ['headers'], countDistinct: ['headers'] } },
			{ filter: { headers: { _nnull: true } } },
			{ filter: { _and: [{ headers: { _empty: false } }, { url: { _contains: 'x' } }] } },
			{ fields: ['count(headers)'] },
			// GraphQL sends aliases it does not select; they take no effect.
			{ fields: ['id'], alias: { h: 'headers' } },
		]) {
			expect(guardHeadersQuery(query)).toBe(query);
		}
		expect(guardHeadersQuery(null)).toBeNull();
	});

	it('refuses aliases of headers that are selected', () => {
		expect(refused({ fields: ['h'], alias: { h: 'headers' } })).toThrow(/aliased/);
		expect(refused({ fields: ['*'], alias: { h: 'headers' } })).toThrow(/aliased/);
		expect(refused({ alias: { h: 'json(headers, [0].value)' } })).toThrow(/aliased/);
	});

	it('refuses functions of headers in fields, groupBy and filter', () => {
		expect(refused({ fields: ['json(headers,[0].value)'] })).toThrow(/read through json/);
		expect(refused({ fields: 'id, json( headers , [0].value)' })).toThrow(/read through/);
		expect(refused({ groupBy: ['json(headers,[0].value)'] })).toThrow(/read through/);
		expect(refused({ filter: { 'json(headers,[0].value)': { _eq: 'x' } } })).toThrow(/filtered through/);
	});

	it('refuses sorting on headers, value aggregates and value comparisons', () => {
		expect(refused({ sort: ['headers'] })).toThrow(/sorted on/);
		expect(refused({ sort: '-headers' })).toThrow(/sorted on/);
		expect(refused({ aggregate: { min: ['headers'] } })).toThrow(/aggregated with min/);
		expect(refused({ aggregate: { max: 'headers' } })).toThrow(/aggregated with max/);
		expect(refused({ filter: { headers: { _contains: 'whsec' } } })).toThrow(/compared/);
		expect(refused({ filter: { _or: [{ headers: { _eq: '[]' } }] } })).toThrow(/compared/);
		expect(refused({ filter: { headers: { _nnull: true, _contains: 'a' } } })).toThrow(/compared/);
	});

	it('answers with a 400 naming the field', () => {
		try {
			guardHeadersQuery({ sort: ['headers'] });
			expect.unreachable();
		} catch (error: any) {
			expect(error.status).toBe(400);
			expect(error.message).toMatch(/"headers" holds secret values/);
		}
	});
});
