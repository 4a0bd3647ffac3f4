import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { nestedDeeperThan, parseBody, parseMultipart, parseParameters, redactHeaders } from '../../extensions/src/api/inbound/http/body-parser';
import { seededRandom } from '../support/seeded-random';

const text = (value: string) => Buffer.from(value, 'utf8');

function multipart(boundary: string, parts: string[]): Buffer {
	return text(`${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join('')}--${boundary}--\r\n`);
}

describe('parseBody: empty', () => {
	it.each([undefined, 'application/json', 'multipart/form-data; boundary=x'])('reports an empty body as empty (%s)', (type) => {
		expect(parseBody(Buffer.alloc(0), type)).toEqual({ body: null, kind: 'empty', error: null });
	});
});

describe('parseBody: JSON', () => {
	it.each(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/vnd.api+json', 'application/cloudevents+json', 'text/json'])('parses %s', (type) => {
		expect(parseBody(text('{"id":1,"tags":["a"]}'), type)).toEqual({ body: { id: 1, tags: ['a'] }, kind: 'json', error: null });
	});

	it('parses scalar JSON documents', () => {
		expect(parseBody(text('42'), 'application/json').body).toBe(42);
		expect(parseBody(text('null'), 'application/json')).toEqual({ body: null, kind: 'json', error: null });
	});

	it('strips a byte order mark', () => {
		expect(parseBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text('{"a":1}')]), 'application/json').body).toEqual({ a: 1 });
	});

	it('keeps invalid JSON as text with an error', () => {
		const result = parseBody(text('{"id":'), 'application/json');
		expect(result.kind).toBe('text');
		expect(result.body).toBe('{"id":');
		expect(result.error).toMatch(/^invalid JSON: /);
	});

	it('keeps __proto__ as data', () => {
		const result = parseBody(text('{"__proto__":{"polluted":true}}'), 'application/json');
		expect(Object.hasOwn(result.body as object, '__proto__')).toBe(true);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});

	it('keeps JSON nested deeper than the bound as text with an error, counting no bracket inside a string', () => {
		const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
		expect(parseBody(text(nested(1000)), 'application/json').kind).toBe('json');
		expect(parseBody(text(nested(1001)), 'application/json')).toEqual({ body: nested(1001), kind: 'text', error: 'JSON nested deeper than 1000 levels: kept as text' });
		expect(parseBody(text(nested(32)), 'application/json', 31).error).toBe('JSON nested deeper than 31 levels: kept as text');
		expect(parseBody(text(nested(31)), 'application/json', 31).kind).toBe('json');
		const brackets = JSON.stringify({ s: '[[[[{{{{\\"[[[[', t: ['"]]]]'] });
		expect(nestedDeeperThan(brackets, 2)).toBe(false);
		expect(nestedDeeperThan('[[[]]]', 2)).toBe(true);
	});

	it('survives very deep nesting', () => {
		const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
		expect(() => parseBody(text(deep), 'application/json')).not.toThrow();
	});
});

describe('parseBody: forms', () => {
	it('parses urlencoded fields, repeated keys as arrays', () => {
		const result = parseBody(text('a=1&b=two+words&a=2&c=%C3%A9&a=3&empty='), 'application/x-www-form-urlencoded');
		expect(result).toEqual({ body: { a: ['1', '2', '3'], b: 'two words', c: 'é', empty: '' }, kind: 'form', error: null });
	});

	it('keeps a __proto__ form key as an own property', () => {
		const result = parseBody(text('__proto__=x&constructor=y'), 'application/x-www-form-urlencoded; charset=UTF-8');
		const body = result.body as Record<string, unknown>;
		expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
		expect(Object.keys(body)).toEqual(['__proto__', 'constructor']);
		expect(JSON.stringify(body)).toBe('{"__proto__":"x","constructor":"y"}');
	});

	it('parses multipart fields and summarises files', () => {
		const raw = multipart('XyZ', [
			'Content-Disposition: form-data; name="title"\r\n\r\nHello\r\nworld',
			'Content-Disposition: form-data; name="tag"\r\n\r\none',
			'Content-Disposition: form-data; name="tag"\r\n\r\ntwo',
			'Content-Disposition: form-data; name="upload"; filename="a b.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--not-the-boundary',
			'Content-Disposition: form-data; name="empty"\r\n\r\n',
		]);
		expect(parseBody(raw, 'multipart/form-data; boundary=XyZ')).toEqual({
			body: {
				title: 'Hello\r\nworld',
				tag: ['one', 'two'],
				upload: { filename: 'a b.png', contentType: 'image/png', size: Buffer.byteLength('\x89PNG\r\n--not-the-boundary') },
				empty: '',
			},
			kind: 'multipart',
			error: null,
		});
	});

	it('reads quoted boundaries, preambles, UTF-8 names and RFC 5987 filenames', () => {
		const raw = Buffer.concat([text('preamble\r\n'), multipart('a b;c', [
			'content-disposition: form-data; name="naïve"\r\n\r\nvalue',
			'Content-Disposition: form-data; name="f"; filename="x.txt"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.txt\r\n\r\nabc',
		])]);
		expect(parseBody(raw, 'multipart/form-data; boundary="a b;c"').body).toEqual({
			naïve: 'value',
			f: { filename: 'résumé.txt', contentType: null, size: 3 },
		});
	});

	it('keeps parts read before a framing error', () => {
		const raw = text('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name="b"\r\n\r\nunterminated');
		expect(parseBody(raw, 'multipart/form-data; boundary=b')).toEqual({ body: { a: '1' }, kind: 'multipart', error: 'malformed multipart: missing closing boundary' });
	});

	it('reports a body without the boundary', () => {
		expect(parseBody(text('hello'), 'multipart/form-data; boundary=b')).toEqual({ body: {}, kind: 'multipart', error: 'malformed multipart: boundary not found' });
	});

	it('falls back to text when no boundary is declared', () => {
		expect(parseBody(text('hello'), 'multipart/form-data')).toEqual({ body: 'hello', kind: 'text', error: 'multipart body without a usable boundary' });
	});

	it('skips parts without a name and bounds the number of parts', () => {
		expect(parseBody(multipart('b', ['Content-Type: text/plain\r\n\r\nanonymous', 'Content-Disposition: form-data; name="x"\r\n\r\n1']), 'multipart/form-data; boundary=b').body).toEqual({ x: '1' });
		const many = multipart('b', Array.from({ length: 1001 }, (_, index) => `Content-Disposition: form-data; name="f${index}"\r\n\r\n${index}`));
		const result = parseBody(many, 'multipart/form-data; boundary=b');
		expect(Object.keys(result.body as object)).toHaveLength(1000);
		expect(result.error).toBe('multipart body has more than 1000 parts; the rest was not read');
	});

	it('parses parameters with quotes and escapes', () => {
		expect(parseParameters('form-data; name="a\\"b"; filename=plain.txt ; X=1')).toEqual({ name: 'a"b', filename: 'plain.txt', x: '1' });
		expect(parseParameters('text/plain')).toEqual({});
		expect(parseParameters('text/plain; broken; charset=utf-8')).toEqual({ charset: 'utf-8' });
	});

	it('parses a part that has no headers', () => {
		expect(parseMultipart(text('--b\r\n\r\nbody\r\n--b--'), 'b')).toEqual({ fields: {}, error: null });
	});
});

describe('parseBody: text and binary', () => {
	it.each(['text/plain', 'text/csv; charset=utf-8', 'application/xml', 'text/xml', 'application/atom+xml', 'image/svg+xml', 'application/x-ndjson'])('keeps %s as text', (type) => {
		expect(parseBody(text('<a>é</a>'), type)).toEqual({ body: '<a>é</a>', kind: 'text', error: null });
	});

	it('decodes a declared charset', () => {
		expect(parseBody(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'text/plain; charset=iso-8859-1').body).toBe('café');
		expect(parseBody(text('ok'), 'text/plain; charset=no-such-charset').body).toBe('ok');
	});

	it('stores other types as a base64 marker', () => {
		const bytes = Buffer.from([0, 1, 2, 255]);
		expect(parseBody(bytes, 'application/octet-stream')).toEqual({ body: { binary: true, encoding: 'base64', size: 4, data: 'AAEC/w==' }, kind: 'binary', error: null });
		expect(parseBody(text('plain'), 'image/png').kind).toBe('binary');
	});

	it('sniffs a body without content type', () => {
		expect(parseBody(text('héllo'), undefined)).toEqual({ body: 'héllo', kind: 'text', error: null });
		expect(parseBody(text('{"a":1}'), '')).toEqual({ body: '{"a":1}', kind: 'text', error: null });
		expect(parseBody(Buffer.from([0xff, 0xfe, 0x00]), undefined)).toEqual({ body: { binary: true, encoding: 'base64', size: 3, data: '//4A' }, kind: 'binary', error: null });
		expect(parseBody(Buffer.from([0x61, 0x00, 0x62]), undefined).kind).toBe('binary');
	});
});

describe('parseBody: fuzz', () => {
	const random = seededRandom;
	const TYPES = [
		undefined, '', 'application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b',
		'multipart/form-data; boundary="', 'multipart/form-data', 'text/plain; charset=utf-16le', 'application/xml', 'image/png',
		';;;', 'application/problem+json', 'text/plain; charset="', '\u0000/\u0000',
	];
	const PIECES = ['--b', '\r\n', '\r\n\r\n', 'Content-Disposition: form-data; name="', '"; filename="', '{', '}', '"', '[', '=', '&', '%', '%zz', '\u00e9', '--', ';'];

	it('never throws on random bytes or mangled structure', () => {
		const next = random(0xC0FFEE);
		for (let run = 0; run < 4000; run += 1) {
			let raw: Buffer;
			if (next() < 0.5) {
				raw = Buffer.from(Array.from({ length: Math.floor(next() * 200) }, () => Math.floor(next() * 256)));
			} else {
				raw = text(Array.from({ length: Math.floor(next() * 40) }, () => PIECES[Math.floor(next() * PIECES.length)]).join(''));
			}
			const type = TYPES[Math.floor(next() * TYPES.length)];
			const result = parseBody(raw, type);
			expect(['json', 'form', 'multipart', 'text', 'binary', 'empty']).toContain(result.kind);
			expect(result.error === null || typeof result.error === 'string').toBe(true);
			// The catch-all is a last resort; the parsers themselves must cope.
			expect(result.error ?? '').not.toMatch(/^unreadable body/);
			// Whatever comes back must be storable as JSON.
			expect(() => JSON.stringify(result.body)).not.toThrow();
		}
	});
});

describe('redactHeaders', () => {
	it('redacts credentials and signatures, flattens lists and drops undefined', () => {
		expect(redactHeaders({
			Authorization: 'Bearer x',
			cookie: 'a=b',
			'set-cookie': ['a=1', 'b=2'],
			'proxy-authorization': 'Basic x',
			'x-api-key': 'k',
			'x-hub-signature-256': 'sha256=ab',
			'stripe-signature': 't=1,v1=ab',
			'x-gitlab-token': 't',
			'x-client-secret': 's',
			'x-shopify-hmac-sha256': 'h',
			'content-type': 'application/json',
			accept: ['a', 'b'],
			'x-missing': undefined,
			'x-request-id': 'abc',
		})).toEqual({
			authorization: '[redacted]',
			cookie: '[redacted]',
			'set-cookie': '[redacted]',
			'proxy-authorization': '[redacted]',
			'x-api-key': '[redacted]',
			'x-hub-signature-256': '[redacted]',
			'stripe-signature': '[redacted]',
			'x-gitlab-token': '[redacted]',
			'x-client-secret': '[redacted]',
			'x-shopify-hmac-sha256': '[redacted]',
			'content-type': 'application/json',
			accept: 'a, b',
			'x-request-id': 'abc',
		});
	});

	it('keeps a __proto__ header as data', () => {
		const result = redactHeaders(JSON.parse('{"__proto__":"x"}') as Record<string, string>);
		expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
		expect(Object.keys(result)).toEqual(['__proto__']);
	});
});
