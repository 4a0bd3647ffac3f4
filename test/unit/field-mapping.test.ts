import { describe, expect, it } from 'vitest';
import { convert, mapFields, type MappingSource } from '../../extensions/src/api/inbound/storage/field-mapping';
import { MAPPING_TYPES, type FieldMapping } from '../../extensions/src/shared/inbound-endpoint';

const source: MappingSource = {
	body: { data: { id: '42', amount: '19.99', paid: 'true', created: 1_700_000_000, tags: ['a', 'b'] }, items: [{ sku: 'first' }, { sku: 'second' }] },
	headers: { 'x-github-event': 'push', 'x-count': '7' },
	query: { page: '2', flag: '1' },
};

describe('mapFields', () => {
	it('copies each path from body, headers and query into its field, converted', () => {
		const mappings: FieldMapping[] = [
			{ path: 'body.data.id', field: 'order_id', type: 'integer' },
			{ path: 'body.data.amount', field: 'amount', type: 'float' },
			{ path: 'body.data.paid', field: 'paid', type: 'boolean' },
			{ path: 'body.data.created', field: 'created_at', type: 'timestamp' },
			{ path: 'body.data.tags', field: 'tags', type: 'json' },
			{ path: 'body.items[1].sku', field: 'second_sku', type: 'string' },
			{ path: 'headers.x-github-event', field: 'event', type: 'string' },
			{ path: 'headers.x-count', field: 'count', type: 'bigInteger' },
			{ path: 'query.page', field: 'page', type: 'integer' },
			{ path: 'query.flag', field: 'flag', type: 'boolean' },
		];
		expect(mapFields(mappings, source)).toEqual({
			order_id: 42,
			amount: 19.99,
			paid: true,
			created_at: '2023-11-14T22:13:20.000Z',
			tags: ['a', 'b'],
			second_sku: 'second',
			event: 'push',
			count: 7,
			page: 2,
			flag: true,
		});
	});

	it('stores null for missing values, invalid paths and prototype names, and still sets every field', () => {
		const mappings: FieldMapping[] = [
			{ path: 'body.data.missing', field: 'a', type: 'string' },
			{ path: 'body.items[5].sku', field: 'b', type: 'string' },
			{ path: 'body.data id', field: 'c', type: 'string' },
			{ path: 'body.__proto__', field: 'd', type: 'json' },
			{ path: 'body.data.constructor.name', field: 'e', type: 'string' },
			{ path: 'body.data.toString', field: 'f', type: 'string' },
			{ path: 'headers.missing', field: 'g', type: 'integer' },
		];
		const values = mapFields(mappings, source);
		expect(values).toEqual({ a: null, b: null, c: null, d: null, e: null, f: null, g: null });
		expect(Object.keys(values)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
	});

	it('does not read prototype names even when the body holds them as own keys', () => {
		const body = JSON.parse('{"__proto__":{"x":"leak"},"constructor":"leak"}') as unknown;
		expect(mapFields([{ path: 'body.__proto__.x', field: 'a', type: 'string' }, { path: 'body.constructor', field: 'b', type: 'string' }], { body, headers: {}, query: {} }))
			.toEqual({ a: null, b: null });
	});

	it('stores null when the body is not an object', () => {
		expect(mapFields([{ path: 'body.id', field: 'id', type: 'string' }], { body: 'text body', headers: {}, query: {} })).toEqual({ id: null });
		expect(mapFields([{ path: 'body.id', field: 'id', type: 'string' }], { body: null, headers: {}, query: {} })).toEqual({ id: null });
	});

	it('is empty for no mappings', () => {
		expect(mapFields([], source)).toEqual({});
	});
});

describe('convert: null and undefined', () => {
	it.each(MAPPING_TYPES)('%s keeps a missing or null value null', (type) => {
		expect(convert(undefined, type)).toBeNull();
		expect(convert(null, type)).toBeNull();
	});
});

describe('convert: string and text', () => {
	it('turns scalars into text and objects into JSON', () => {
		expect(convert('abc', 'string')).toBe('abc');
		expect(convert(42, 'string')).toBe('42');
		expect(convert(false, 'string')).toBe('false');
		expect(convert({ a: [1, 'x'] }, 'string')).toBe('{"a":[1,"x"]}');
		expect(convert([1, 2], 'text')).toBe('[1,2]');
		expect(convert(1.5, 'text')).toBe('1.5');
	});

	it('keeps string to 255 characters and text whole', () => {
		const long = 'x'.repeat(300);
		expect(convert(long, 'string')).toBe('x'.repeat(255));
		expect(convert('y'.repeat(255), 'string')).toBe('y'.repeat(255));
		expect(convert(long, 'text')).toBe(long);
		expect(convert({ long }, 'string')).toHaveLength(255);
	});

	it('replaces NUL, which PostgreSQL text cannot hold', () => {
		expect(convert('a\0b\0', 'string')).toBe('a\uFFFDb\uFFFD');
		expect(convert('a\0b', 'text')).toBe('a\uFFFDb');
		expect(convert({ k: 'a\0b' }, 'text')).toBe('{"k":"a\\u0000b"}');
	});
});

describe('convert: integer and bigInteger', () => {
	it.each([
		[42, 42],
		[-7, -7],
		[0, 0],
		['42', 42],
		[' 42 ', 42],
		['+7', 7],
		['-7', -7],
		['007', 7],
		[2_147_483_647, 2_147_483_647],
		['2147483647', 2_147_483_647],
		[-2_147_483_647, -2_147_483_647],
	])('integer %j -> %j', (value, expected) => {
		expect(convert(value, 'integer')).toBe(expected);
	});

	it.each([1.5, '1.5', '1e3', '', '   ', 'abc', '12abc', '0x10', true, false, {}, [1], Number.NaN, Infinity, 2_147_483_648, '2147483648', -2_147_483_649, 2 ** 53])('integer %j -> null', (value) => {
		expect(convert(value, 'integer')).toBeNull();
	});

	it('allows bigInteger beyond 32 bits up to the safe integer range', () => {
		expect(convert(2_147_483_648, 'bigInteger')).toBe(2_147_483_648);
		expect(convert('9007199254740991', 'bigInteger')).toBe(Number.MAX_SAFE_INTEGER);
		expect(convert(-Number.MAX_SAFE_INTEGER, 'bigInteger')).toBe(-Number.MAX_SAFE_INTEGER);
		expect(convert(' -12 ', 'bigInteger')).toBe(-12);
	});

	it.each([2 ** 53, '9007199254740993', 1.25, 'x', true, '1e20'])('bigInteger %j -> null', (value) => {
		expect(convert(value, 'bigInteger')).toBeNull();
	});
});

describe('convert: float', () => {
	it.each([
		[1.5, 1.5],
		[-0.25, -0.25],
		[3, 3],
		['19.99', 19.99],
		[' 2.5 ', 2.5],
		['1e3', 1000],
		['-4', -4],
	])('float %j -> %j', (value, expected) => {
		expect(convert(value, 'float')).toBe(expected);
	});

	it.each(['', '   ', 'abc', '1.2.3', 'Infinity', Infinity, -Infinity, Number.NaN, true, {}, [1]])('float %j -> null', (value) => {
		expect(convert(value, 'float')).toBeNull();
	});
});

describe('convert: boolean', () => {
	it.each([
		[true, true],
		[false, false],
		[1, true],
		[0, false],
		['true', true],
		['false', false],
		['1', true],
		['0', false],
	])('boolean %j -> %j', (value, expected) => {
		expect(convert(value, 'boolean')).toBe(expected);
	});

	it.each(['TRUE', 'yes', 'no', '', ' true', 2, -1, 0.5, {}, []])('boolean %j -> null', (value) => {
		expect(convert(value, 'boolean')).toBeNull();
	});
});

describe('convert: json', () => {
	it('keeps any value as it is', () => {
		const object = { a: { b: [1, null] } };
		expect(convert(object, 'json')).toBe(object);
		expect(convert([1, 2], 'json')).toEqual([1, 2]);
		expect(convert('text', 'json')).toBe('text');
		expect(convert(0, 'json')).toBe(0);
		expect(convert(false, 'json')).toBe(false);
	});
});

describe('convert: timestamp', () => {
	const iso = '2023-11-14T22:13:20.000Z';

	it('reads unix seconds, as providers send them', () => {
		expect(convert(1_700_000_000, 'timestamp')).toBe(iso);
		expect(convert('1700000000', 'timestamp')).toBe(iso);
		expect(convert(' 1700000000 ', 'timestamp')).toBe(iso);
		expect(convert(1_700_000_000.5, 'timestamp')).toBe('2023-11-14T22:13:20.500Z');
		expect(convert(0, 'timestamp')).toBe('1970-01-01T00:00:00.000Z');
		expect(convert(-1, 'timestamp')).toBe('1969-12-31T23:59:59.000Z');
	});

	it('reads unix milliseconds', () => {
		expect(convert(1_700_000_000_000, 'timestamp')).toBe(iso);
		expect(convert('1700000000123', 'timestamp')).toBe('2023-11-14T22:13:20.123Z');
	});

	it('tells seconds from milliseconds at 1e11', () => {
		// Just under: seconds (year 5138). At or over: milliseconds (1973).
		expect(convert(99_999_999_999, 'timestamp')).toBe(new Date(99_999_999_999_000).toISOString());
		expect(convert(100_000_000_000, 'timestamp')).toBe('1973-03-03T09:46:40.000Z');
	});

	it('reads ISO dates and normalises them to UTC', () => {
		expect(convert('2024-01-02T03:04:05Z', 'timestamp')).toBe('2024-01-02T03:04:05.000Z');
		expect(convert('2024-01-02T03:04:05.678+02:00', 'timestamp')).toBe('2024-01-02T01:04:05.678Z');
		expect(convert('2024-01-02', 'timestamp')).toBe('2024-01-02T00:00:00.000Z');
	});

	it.each(['', 'not a date', '2024-13-45', true, {}, [1], Number.NaN, Infinity, 1e20])('timestamp %j -> null', (value) => {
		expect(convert(value, 'timestamp')).toBeNull();
	});
});
