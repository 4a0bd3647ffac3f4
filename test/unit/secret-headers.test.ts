import { describe, expect, it } from 'vitest';
import { secretHeaderProblems } from '../../extensions/src/shared/secret-headers';

const MASK = '**********';
const stored = { url: 'https://a.example/hook', headers: [{ header: 'Authorization', value: MASK, secret: true }, { header: 'X-Plain', value: 'p' }] };

describe('secret header problems while editing a webhook (the app drawer)', () => {
	it('asks for the secret values again when only the URL changes', () => {
		expect(secretHeaderProblems({ url: 'https://b.example/hook' }, stored)).toEqual([{ field: 'url', reason: expect.stringContaining('secret header values must be entered again when the URL changes') }]);
	});

	it('is satisfied once each secret value is typed again or the header removed', () => {
		expect(secretHeaderProblems({ url: 'https://b.example/hook', headers: [{ header: 'Authorization', value: 'Bearer new', secret: true }] }, stored)).toEqual([]);
		expect(secretHeaderProblems({ url: 'https://b.example/hook', headers: [{ header: 'X-Plain', value: 'p' }] }, stored)).toEqual([]);
	});

	it('says nothing when the URL stays the same or no header is secret', () => {
		expect(secretHeaderProblems({ url: stored.url, description: 'x' }, stored)).toEqual([]);
		expect(secretHeaderProblems({ url: 'https://b.example/hook' }, { url: stored.url, headers: [{ header: 'X-Plain', value: 'p' }] })).toEqual([]);
	});

	it('refuses to make a masked header plain without its value', () => {
		expect(secretHeaderProblems({ headers: [{ header: 'authorization', value: MASK }] }, stored)).toEqual([{ field: 'headers[0].value', reason: expect.stringContaining('enter the value again') }]);
	});
});
