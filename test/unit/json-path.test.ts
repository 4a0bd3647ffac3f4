import { describe, expect, it } from 'vitest';
import { FORBIDDEN_SEGMENTS, pathSegments, resolvePath } from '../../extensions/src/shared/json-path';

describe('pathSegments', () => {
	it.each([
		['body', ['body']],
		['body.data.id', ['body', 'data', 'id']],
		['body.items[0].id', ['body', 'items', '0', 'id']],
		['body.matrix[1][2]', ['body', 'matrix', '1', '2']],
		['headers.x-github-event', ['headers', 'x-github-event']],
		['query.$filter', ['query', '$filter']],
		['body.ns:key.@type', ['body', 'ns:key', '@type']],
		['body.items.0.id', ['body', 'items', '0', 'id']],
	])('splits %j', (path, segments) => {
		expect(pathSegments(path)).toEqual(segments);
	});

	it.each(['', '.body', 'body.', 'body..id', 'body[x]', 'body[0', 'body[-1]', '[0]', 'body. id', 'body.a b', 'body["id"]', 'body.id()', 'body.a+b', 'body\n.id', 'body/id'])('is null for %j', (path) => {
		expect(pathSegments(path)).toBeNull();
	});

	it('keeps prototype names as segments (resolvePath refuses them)', () => {
		expect(pathSegments('body.__proto__.x')).toEqual(['body', '__proto__', 'x']);
	});
});

describe('resolvePath', () => {
	const context = {
		body: { id: 7, zero: 0, no: false, nothing: null, items: [{ id: 'first' }, { id: 'second' }], nested: { deep: { value: 'v' } } },
		headers: { 'x-id': 'abc' },
	};

	it('reads nested own properties and array indexes', () => {
		expect(resolvePath(context, ['body', 'id'])).toBe(7);
		expect(resolvePath(context, ['body', 'items', '1', 'id'])).toBe('second');
		expect(resolvePath(context, ['body', 'nested', 'deep', 'value'])).toBe('v');
		expect(resolvePath(context, ['headers', 'x-id'])).toBe('abc');
		expect(resolvePath(context, ['body', 'items'])).toBe(context.body.items);
	});

	it('returns falsy values as they are, and the context itself for no segments', () => {
		expect(resolvePath(context, ['body', 'zero'])).toBe(0);
		expect(resolvePath(context, ['body', 'no'])).toBe(false);
		expect(resolvePath(context, ['body', 'nothing'])).toBeNull();
		expect(resolvePath(context, [])).toBe(context);
	});

	it('is undefined for missing segments and for walking into scalars', () => {
		expect(resolvePath(context, ['body', 'missing'])).toBeUndefined();
		expect(resolvePath(context, ['body', 'items', '9', 'id'])).toBeUndefined();
		expect(resolvePath(context, ['body', 'id', 'deeper'])).toBeUndefined();
		expect(resolvePath(context, ['body', 'nothing', 'x'])).toBeUndefined();
		expect(resolvePath('text', ['length'])).toBeUndefined();
		expect(resolvePath(null, ['a'])).toBeUndefined();
		expect(resolvePath(undefined, ['a'])).toBeUndefined();
	});

	it('reads own properties only: inherited members and array length never resolve', () => {
		expect(resolvePath(context, ['body', 'toString'])).toBeUndefined();
		expect(resolvePath(context, ['body', 'hasOwnProperty'])).toBeUndefined();
		expect(resolvePath(context, ['body', 'items', 'map'])).toBeUndefined();
		// length is an own property of arrays: it is data, not a prototype member.
		expect(resolvePath(context, ['body', 'items', 'length'])).toBe(2);
		const child = Object.create({ inherited: 'from prototype' }) as Record<string, unknown>;
		child.own = 'mine';
		expect(resolvePath({ child }, ['child', 'own'])).toBe('mine');
		expect(resolvePath({ child }, ['child', 'inherited'])).toBeUndefined();
	});

	it('never resolves prototype names, even as own properties', () => {
		for (const name of FORBIDDEN_SEGMENTS) expect(resolvePath(context, ['body', name])).toBeUndefined();
		const polluted = JSON.parse('{"body":{"__proto__":{"x":"leak"},"constructor":{"name":"leak"},"prototype":"leak"}}') as unknown;
		expect(Object.hasOwn((polluted as { body: object }).body, '__proto__')).toBe(true);
		expect(resolvePath(polluted, ['body', '__proto__', 'x'])).toBeUndefined();
		expect(resolvePath(polluted, ['body', 'constructor', 'name'])).toBeUndefined();
		expect(resolvePath(polluted, ['body', 'prototype'])).toBeUndefined();
		expect(resolvePath(Object.assign(Object.create(null) as object, { prototype: 1 }), ['prototype'])).toBeUndefined();
	});

	it('resolves what pathSegments splits', () => {
		expect(resolvePath(context, pathSegments('body.items[0].id')!)).toBe('first');
		expect(resolvePath(context, pathSegments('headers.x-id')!)).toBe('abc');
	});
});
