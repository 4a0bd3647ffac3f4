import { describe, expect, it } from 'vitest';
import { fillPlaceholders, renderTemplate, templateModeFor, templateProblem } from '../../extensions/src/shared/template';
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

describe('renderTemplate: form, url and header values', () => {
	const values = { title: 'Tom & Jerry = "friends"?\nyes/no ü', id: 42 };

	it('form-encodes values so & and = in a value cannot add or change a field', () => {
		const body = renderTemplate('title={{ title }}&id={{ id }}', values, 'form');
		expect(Object.fromEntries(new URLSearchParams(body))).toEqual({ title: values.title, id: '42' });
	});

	it('percent-encodes url values so a value cannot add a path segment, a query or a fragment', () => {
		const url = renderTemplate('https://example.com/items/{{ title }}?id={{ id }}', values, 'url');
		const parsed = new URL(url);
		expect(parsed.host).toBe('example.com');
		expect(parsed.pathname.split('/')).toHaveLength(3);
		expect(decodeURIComponent(parsed.pathname.split('/')[2]!)).toBe(values.title);
		expect(parsed.searchParams.get('id')).toBe('42');
		expect(parsed.hash).toBe('');
	});

	it('percent-encodes what a header value cannot hold: line breaks never reach the header', () => {
		const value = renderTemplate('Bearer {{ title }}', values, 'header');
		expect(value).not.toMatch(/[\r\n]/);
		expect(value).toMatch(/^[\t\x20-\x7e]*$/);
		expect(value).toContain('%0A');
		expect(decodeURIComponent(value.replace(/^Bearer /, ''))).toBe(values.title);
	});

	it('encodes characters outside the BMP and lone surrogates without throwing', () => {
		const odd = { emoji: 'a😀b', lone: 'x\uD800y\uDC00z' };
		for (const mode of ['form', 'url', 'header'] as const) {
			expect(decodeURIComponent(renderTemplate('{{ emoji }}', odd, mode))).toBe('a😀b');
			expect(decodeURIComponent(renderTemplate('{{ lone }}', odd, mode))).toBe('x\uFFFDy\uFFFDz');
		}
	});

	it('renders missing values as empty outside JSON', () => {
		for (const mode of ['form', 'url', 'header', 'text'] as const) expect(renderTemplate('a={{ nothing.here }}', values, mode)).toBe('a=');
	});
});

describe('templateModeFor', () => {
	it('reads JSON (with +json and parameters), form, and everything else as text', () => {
		expect(templateModeFor('application/json')).toBe('json');
		expect(templateModeFor('application/json; charset=utf-8')).toBe('json');
		expect(templateModeFor('application/vnd.api+json')).toBe('json');
		expect(templateModeFor('text/json')).toBe('json');
		expect(templateModeFor('application/x-www-form-urlencoded')).toBe('form');
		expect(templateModeFor('text/plain')).toBe('text');
		expect(templateModeFor('application/jsonl')).toBe('text');
		expect(templateModeFor('application/xml')).toBe('text');
	});
});

describe('templateProblem', () => {
	it('accepts templates whose every placeholder is a path, and JSON templates that stay JSON whatever the values', () => {
		expect(templateProblem('{"text": "New: {{ payload.title }}", "id": {{ key }}, "all": {{ payload }}}', 'json')).toBeNull();
		expect(templateProblem('[{{ a }}, {{ b }}]', 'json')).toBeNull();
		expect(templateProblem('title={{ payload.title }}', 'form')).toBeNull();
		expect(templateProblem('no placeholders at all', 'text')).toBeNull();
	});

	it('names the line and column of an unclosed placeholder or one that is not a path', () => {
		expect(templateProblem('ok\n  {{ payload.title ', 'text')).toBe('has "{{" without a closing "}}" at line 2, column 3');
		expect(templateProblem('{{ a }} {{ payload.title + 1 }}', 'text')).toMatch(/^has a placeholder that is not a path .* at line 1, column 9/);
	});

	it('refuses JSON templates that are not JSON, with the position in the template', () => {
		expect(templateProblem('{"text": "a" "b"}', 'json')).toMatch(/^is not valid JSON at line 1, column 14/);
		expect(templateProblem('{"text": {{ payload.title }}', 'json')).toMatch(/^is not valid JSON at/);
	});

	it('refuses JSON templates that only look valid with values of one shape', () => {
		// `1{{ x }}` renders `1null` or `15`; two values side by side are never one JSON value.
		expect(templateProblem('{"n": 1{{ x }}}', 'json')).not.toBeNull();
		expect(templateProblem('{"n": {{ x }}{{ y }}}', 'json')).not.toBeNull();
		expect(templateProblem('{ {{ key }}: 1 }', 'json')).not.toBeNull();
		expect(templateProblem('{"n": -{{ x }}}', 'json')).not.toBeNull();
	});

	it('renders valid JSON from every template it accepts, whatever the values', () => {
		const random = seededRandom(7);
		const samples = [null, 0, -1.5, 'quote " backslash \\ newline \n ü 😀', ['a', { b: 1 }], { nested: { x: '"' } }, true, undefined];
		const templates = ['{"text": "{{ v }} and {{ w }}", "raw": {{ v }}}', '[{{ v }}, "{{ w }}", {"k": {{ w }}}]', '{{ v }}', '"{{ v }}"'];
		for (const template of templates) {
			expect(templateProblem(template, 'json')).toBeNull();
			for (let run = 0; run < 50; run++) {
				const context = { v: samples[Math.floor(random() * samples.length)], w: samples[Math.floor(random() * samples.length)] };
				expect(() => JSON.parse(renderTemplate(template, context, 'json'))).not.toThrow();
			}
		}
	});
});

describe('fillPlaceholders', () => {
	it('replaces every placeholder and keeps the rest', () => {
		expect(fillPlaceholders('https://x.test/{{ a }}/{{b}}?q={{ c.d }}&e={{ not a path }}', '0')).toBe('https://x.test/0/0?q=0&e={{ not a path }}');
	});
});
