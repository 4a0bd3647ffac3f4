import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../extensions/src/api/inbound/http/response-template';
import { seededRandom } from '../support/seeded-random';

const context = {
	request: {
		method: 'POST',
		path: '/hooks/orders',
		query: { page: '2', tags: ['a', 'b'] },
		headers: { 'x-request-id': 'req-1', 'content-type': 'application/json' },
		body: { id: 7, name: 'Quote " and \\ backslash\nnewline', nested: { ok: true, n: null }, items: [{ id: 'first' }, { id: 'second' }], zero: 0, no: false },
	},
	item: { id: 'b3e1c9a2', status: 'received' },
};

describe('renderTemplate: text', () => {
	it('substitutes dotted paths with or without inner whitespace', () => {
		expect(renderTemplate('Got {{ request.body.id }} as {{item.id}} via {{  request.method  }}', context, 'text')).toBe('Got 7 as b3e1c9a2 via POST');
	});

	it('reads headers with dashes, array indexes both ways, and falsy values', () => {
		expect(renderTemplate('{{ request.headers.x-request-id }}|{{ request.body.items[1].id }}|{{ request.body.items.0.id }}|{{ request.query.tags[0] }}|{{ request.body.zero }}|{{ request.body.no }}', context, 'text'))
			.toBe('req-1|second|first|a|0|false');
	});

	it('renders objects and arrays as JSON', () => {
		expect(renderTemplate('{{ request.body.nested }} {{ request.query.tags }}', context, 'text')).toBe('{"ok":true,"n":null} ["a","b"]');
	});

	it('renders missing and null values as the empty string', () => {
		expect(renderTemplate('[{{ request.body.missing }}][{{ request.body.nested.n }}][{{ nothing.at.all }}][{{ request.body.id.deeper }}][{{ request.body.items[9].id }}]', context, 'text')).toBe('[][][][][]');
	});

	it('refuses to walk prototypes', () => {
		expect(renderTemplate('[{{ __proto__ }}][{{ request.constructor }}][{{ request.body.constructor.name }}][{{ item.__proto__.toString }}][{{ request.body.items.constructor }}][{{ prototype }}][{{ request.toString }}][{{ item.id.length }}]', context, 'text'))
			.toBe('[][][][][][][][]');
	});

	it('reads own properties named like dangerous keys as missing, even when present', () => {
		const polluted = JSON.parse('{"request":{"body":{"__proto__":{"x":"leak"}}}}') as object;
		expect(renderTemplate('{{ request.body.__proto__.x }}', polluted, 'text')).toBe('');
	});

	it('leaves text that is not a placeholder path as written', () => {
		expect(renderTemplate('{{ }} {{ a b }} {{ a..b }} {{ .a }} {single} {{ item.id', context, 'text')).toBe('{{ }} {{ a b }} {{ a..b }} {{ .a }} {single} {{ item.id');
		expect(renderTemplate('{{{ item.id }}}', context, 'text')).toBe('{b3e1c9a2}');
	});

	it('does not evaluate expressions', () => {
		expect(renderTemplate('{{ item.id + 1 }}{{ process.exit() }}{{ item["id"] }}', context, 'text')).toBe('{{ item.id + 1 }}{{ process.exit() }}{{ item["id"] }}');
	});

	it('renders unserialisable values as empty', () => {
		const cyclic: Record<string, unknown> = {};
		cyclic.self = cyclic;
		expect(renderTemplate('[{{ c }}][{{ f }}][{{ b }}]', { c: cyclic, f: () => 1, b: 10n }, 'text')).toBe('[][][10]');
	});
});

describe('renderTemplate: json', () => {
	it('escapes values inside JSON strings', () => {
		const output = renderTemplate('{"message": "Hello {{ request.body.name }}", "raw": "{{ request.body.nested }}"}', context, 'json');
		expect(JSON.parse(output)).toEqual({ message: `Hello ${context.request.body.name}`, raw: '{"ok":true,"n":null}' });
	});

	it('inserts JSON values outside strings, null when missing', () => {
		const output = renderTemplate('{"id": {{ item.id }}, "n": {{ request.body.id }}, "obj": {{request.body.nested}}, "list": {{ request.query.tags }}, "none": {{ request.body.missing }}, "ok": {{ request.body.no }}}', context, 'json');
		expect(JSON.parse(output)).toEqual({ id: 'b3e1c9a2', n: 7, obj: { ok: true, n: null }, list: ['a', 'b'], none: null, ok: false });
	});

	it('tracks escaped quotes so string state stays right', () => {
		const output = renderTemplate('{"a": "say \\"{{ request.body.name }}\\"", "b": {{ request.body.name }}}', context, 'json');
		expect(JSON.parse(output)).toEqual({ a: `say "${context.request.body.name}"`, b: context.request.body.name });
	});

	it('renders missing values inside strings as empty', () => {
		expect(JSON.parse(renderTemplate('{"a": "[{{ nope }}]"}', context, 'json'))).toEqual({ a: '[]' });
	});

	it('keeps the document valid whatever the request contains', () => {
		const hostile = { request: { body: { s: '"}, "admin": true, "x": "', t: '\u2028\u0000</script>' } } };
		const output = renderTemplate('{"s": "{{ request.body.s }}", "t": "{{ request.body.t }}", "v": {{ request.body.s }}}', hostile, 'json');
		expect(JSON.parse(output)).toEqual({ s: hostile.request.body.s, t: hostile.request.body.t, v: hostile.request.body.s });
	});

	it('does not escape in text mode', () => {
		expect(renderTemplate('"{{ request.body.name }}"', context, 'text')).toBe(`"${context.request.body.name}"`);
	});
});

describe('renderTemplate: fuzz', () => {
	const random = seededRandom;
	const PIECES = ['{{', '}}', '{', '}', '"', '\\', ' ', 'item.id', 'request.body.name', '__proto__', '.', '[0]', 'request.body.items', ':', ',', 'x'];

	it('never throws, and valid JSON templates with placeholders as values stay valid', () => {
		const next = random(0xBEEF);
		const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
		for (let run = 0; run < 3000; run += 1) {
			const template = Array.from({ length: Math.floor(next() * 30) }, () => pick(PIECES)).join('');
			expect(() => renderTemplate(template, context, pick(['json', 'text'] as const))).not.toThrow();
			const paths = ['item.id', 'request.body', 'request.body.name', 'missing', 'request.query.tags', 'request.body.items[0]'];
			const document = `{"a": {{ ${pick(paths)} }}, "b": "x{{ ${pick(paths)} }}y", "c": [{{ ${pick(paths)} }}]}`;
			expect(() => JSON.parse(renderTemplate(document, context, 'json'))).not.toThrow();
		}
	});
});

// A linear renderer costs a few times a plain template of the same length; a backtracking
// pattern, hundreds of times or more.
const LINEAR = 20;

/**
 * How many times longer `hostile` takes than `plain`, each timed right after the other so a slow or
 * busy machine slows both alike. Measured again a few times only while a busy moment could explain
 * the excess.
 */
function costRatio(hostile: () => unknown, plain: () => unknown): number {
	const time = (run: () => unknown) => {
		const started = performance.now();
		run();
		return performance.now() - started;
	};
	const measure = () => time(hostile) / Math.max(time(plain), 0.01);
	let ratio = measure();
	for (let retry = 0; retry < 4 && ratio >= LINEAR && ratio < 10 * LINEAR; retry++) ratio = Math.min(ratio, measure());
	return ratio;
}

describe('renderTemplate: cost', () => {
	it('stays linear on unclosed braces and long whitespace: about what a plain template of the same length costs', () => {
		const unclosed = `${'{{'.repeat(20_000)}${' '.repeat(60_000)}x`;
		const spaced = `{{${' '.repeat(60_000)}item.id${' '.repeat(60_000)}}}`;
		expect(renderTemplate(unclosed, context, 'json')).toBe(unclosed);
		expect(renderTemplate(spaced, context, 'text')).toBe('b3e1c9a2');
		const plain = (template: string) => 'x'.repeat(template.length);
		expect(costRatio(() => renderTemplate(unclosed, context, 'json'), () => renderTemplate(plain(unclosed), context, 'json'))).toBeLessThan(LINEAR);
		expect(costRatio(() => renderTemplate(spaced, context, 'text'), () => renderTemplate(plain(spaced), context, 'text'))).toBeLessThan(LINEAR);
	});
});
