import { describe, expect, it } from 'vitest';
import { unmetExpectations, type Expectations, type ReceivedData } from '../../extensions/src/api/inbound/http/expectations';

const none: Expectations = { expectedHeaders: [], expectedQuery: [], expectedBody: null };
const received = (extra: Partial<ReceivedData> = {}): ReceivedData => ({ headers: {}, query: {}, body: null, ...extra });

describe('unmetExpectations: nothing expected', () => {
	it('accepts anything', () => {
		expect(unmetExpectations(none, received())).toEqual([]);
		expect(unmetExpectations(none, received({ body: 'text', headers: { a: 'b' } }))).toEqual([]);
	});

	it('treats an empty sample body as no expectation, whatever the body', () => {
		expect(unmetExpectations({ ...none, expectedBody: {} }, received({ body: 'plain text' }))).toEqual([]);
		expect(unmetExpectations({ ...none, expectedBody: {} }, received({ body: [1, 2] }))).toEqual([]);
	});
});

describe('unmetExpectations: headers and query', () => {
	const expected: Expectations = { ...none, expectedHeaders: ['x-github-event', 'x-hub-signature-256'], expectedQuery: ['token', 'page'] };

	it('accepts a request with every header and query parameter', () => {
		expect(unmetExpectations(expected, received({ headers: { 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=1', other: 'x' }, query: { token: 't', page: '1' } }))).toEqual([]);
	});

	it('names every missing header and query parameter, in order', () => {
		expect(unmetExpectations(expected, received({ headers: { 'x-hub-signature-256': 's' }, query: { page: '1' } }))).toEqual([
			'missing header x-github-event',
			'missing query parameter token',
		]);
		expect(unmetExpectations(expected, received())).toEqual([
			'missing header x-github-event',
			'missing header x-hub-signature-256',
			'missing query parameter token',
			'missing query parameter page',
		]);
	});

	it('counts an empty header value and an empty query value as present', () => {
		expect(unmetExpectations(expected, received({ headers: { 'x-github-event': '', 'x-hub-signature-256': '' }, query: { token: '', page: [] } }))).toEqual([]);
	});

	it('reads only own query parameters', () => {
		const query = Object.create({ token: 'inherited', page: '1' }) as Record<string, unknown>;
		expect(unmetExpectations({ ...none, expectedQuery: ['token', 'toString'] }, received({ query }))).toEqual(['missing query parameter token', 'missing query parameter toString']);
	});

	it('treats an undefined header as missing', () => {
		expect(unmetExpectations({ ...none, expectedHeaders: ['x-a'] }, received({ headers: { 'x-a': undefined } }))).toEqual(['missing header x-a']);
	});
});

describe('unmetExpectations: body', () => {
	const sample: Expectations = {
		...none,
		expectedBody: { action: 'opened', number: 1, draft: false, repository: { id: 1 }, labels: ['bug'], note: null },
	};
	const matching = { action: 'closed', number: 99, draft: true, repository: {}, labels: [], note: 'anything', extra: 1 };

	it('accepts a body with every key and the JSON type of the sample', () => {
		expect(unmetExpectations(sample, received({ body: matching }))).toEqual([]);
	});

	it('treats null in the sample as any type', () => {
		for (const note of [null, 1, 'x', true, {}, []]) expect(unmetExpectations(sample, received({ body: { ...matching, note } }))).toEqual([]);
	});

	it('names missing keys', () => {
		const { action: _action, labels: _labels, ...rest } = matching;
		expect(unmetExpectations(sample, received({ body: rest }))).toEqual(['missing body field action', 'missing body field labels']);
	});

	it('names each wrong type with its article', () => {
		expect(unmetExpectations(sample, received({ body: { action: 5, number: '1', draft: 'false', repository: [], labels: {}, note: 1 } }))).toEqual([
			'body field action must be a string, not number',
			'body field number must be a number, not string',
			'body field draft must be a boolean, not string',
			'body field repository must be an object, not array',
			'body field labels must be an array, not object',
		]);
	});

	it('reports null where the sample has a type', () => {
		expect(unmetExpectations({ ...none, expectedBody: { id: 1 } }, received({ body: { id: null } }))).toEqual(['body field id must be a number, not null']);
	});

	it('takes form fields, which arrive as text, as the object they are', () => {
		expect(unmetExpectations({ ...none, expectedBody: { name: 'x', tag: null } }, received({ body: { name: 'a', tag: ['1', '2'] } }))).toEqual([]);
	});

	it.each([['text'], [42], [null], [[{ action: 'opened' }]], [true]])('refuses a body that is not an object: %j', (body) => {
		expect(unmetExpectations(sample, received({ body }))).toEqual(['the body must be a JSON object (or form fields)']);
	});

	it('reads only own body keys', () => {
		const body = Object.create({ id: 1 }) as Record<string, unknown>;
		expect(unmetExpectations({ ...none, expectedBody: { id: 1 } }, received({ body }))).toEqual(['missing body field id']);
	});

	it('reports header, query and body problems together', () => {
		const expected: Expectations = { expectedHeaders: ['x-a'], expectedQuery: ['q'], expectedBody: { id: 1 } };
		expect(unmetExpectations(expected, received({ body: 'not json' }))).toEqual(['missing header x-a', 'missing query parameter q', 'the body must be a JSON object (or form fields)']);
	});
});
