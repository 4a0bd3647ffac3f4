import { describe, expect, it } from 'vitest';
import { formatErrors, isPlainObject, parseCsvList, validateWebhook } from '../../extensions/src/shared/validate-webhook';
import { MASK, type FieldError } from '../../extensions/src/shared/webhook';
import { seededRandom } from '../support/seeded-random';

const COLLECTIONS = ['articles', 'authors', 'directus_users'] as const;
const ROLE = '8D1A5C2E-3B4F-4A6D-9E8F-0123456789AB';
// 24 bytes: the Standard Webhooks specification's example secret.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const valid = (): Record<string, unknown> => ({
	name: 'Notify CRM',
	url: 'https://hooks.example.com/directus',
	actions: ['create', 'update'],
	collections: ['articles'],
});

function check(input: unknown, mode: 'create' | 'update' = 'create') {
	return validateWebhook(input, { mode, collections: COLLECTIONS });
}

function errorsOf(input: unknown, mode: 'create' | 'update' = 'create'): FieldError[] {
	const result = check(input, mode);
	if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.value)}`);
	return result.errors;
}

const fieldsOf = (input: unknown, mode: 'create' | 'update' = 'create'): string[] => errorsOf(input, mode).map((error) => error.field);

function valueOf(input: unknown, mode: 'create' | 'update' = 'create') {
	const result = check(input, mode);
	if (!result.ok) throw new Error(`expected success, got ${formatErrors(result.errors)}`);
	return result.value;
}

const base64Of = (bytes: number): string => Buffer.from(Array.from({ length: bytes }, (_, index) => (index * 37 + 11) % 256)).toString('base64');

describe('validateWebhook: valid input', () => {
	it('accepts a minimal create and returns only what was given', () => {
		expect(valueOf(valid())).toEqual({
			name: 'Notify CRM',
			url: 'https://hooks.example.com/directus',
			actions: ['create', 'update'],
			collections: ['articles'],
		});
	});

	it('normalises a full create', () => {
		const value = valueOf({
			...valid(),
			name: '  Notify CRM  ',
			description: null,
			method: 'patch',
			status: 'inactive',
			data: false,
			include_previous: true,
			actions: 'delete, create,create',
			collections: 'articles,authors',
			headers: [
				{ header: 'Authorization', value: 'Bearer abc', secret: true },
				{ header: 'X-Empty' },
				{ header: 'X-Plain', value: 'tab\tok', secret: false },
			],
			filter: { status: { _eq: 'published' } },
			watch_fields: 'title, status',
			fields: ['*', 'author.name', 'title', 'title'],
			payload: 'item',
			item_role: ROLE,
		});
		expect(value).toEqual({
			name: 'Notify CRM',
			description: null,
			method: 'PATCH',
			status: 'inactive',
			data: false,
			include_previous: true,
			url: 'https://hooks.example.com/directus',
			actions: ['delete', 'create'],
			collections: ['articles', 'authors'],
			headers: [
				{ header: 'Authorization', value: 'Bearer abc', secret: true },
				{ header: 'X-Empty', value: '' },
				{ header: 'X-Plain', value: 'tab\tok' },
			],
			filter: { status: { _eq: 'published' } },
			watch_fields: ['title', 'status'],
			fields: ['*', 'author.name', 'title'],
			payload: 'item',
			item_role: ROLE.toLowerCase(),
		});
	});

	it('treats empty filters and field lists as none, and legacy null headers as none', () => {
		expect(valueOf({ filter: {}, fields: '', watch_fields: [], headers: null }, 'update')).toEqual({
			filter: null,
			fields: null,
			watch_fields: null,
			headers: [],
		});
	});

	it('accepts a transition (previous_filter with filter), and treats an empty previous_filter as none', () => {
		const transition = { previous_filter: { status: { _eq: 'draft' } }, filter: { status: { _eq: 'published' } } };
		expect(valueOf({ ...valid(), ...transition })).toMatchObject(transition);
		expect(valueOf({ previous_filter: {} }, 'update')).toEqual({ previous_filter: null });
		expect(valueOf({ previous_filter: null }, 'update')).toEqual({ previous_filter: null });
	});

	it('accepts any subset on update', () => {
		expect(valueOf({ status: 'active' }, 'update')).toEqual({ status: 'active' });
		expect(valueOf({ url: 'http://10.0.0.5:8080/hook?x=1' }, 'update')).toEqual({ url: 'http://10.0.0.5:8080/hook?x=1' });
		expect(valueOf({ description: 'x', item_role: null, filter: null, fields: null }, 'update')).toEqual({
			description: 'x',
			item_role: null,
			filter: null,
			fields: null,
		});
	});

	it('accepts a well-formed secret of 24 to 64 bytes, and ignores the mask sent back unchanged', () => {
		expect(valueOf({ ...valid(), secret: SECRET }).secret).toBe(SECRET);
		const longest = `whsec_${base64Of(64)}`;
		expect(valueOf({ secret: longest }, 'update')).toEqual({ secret: longest });
		expect(valueOf({ secret: MASK, name: 'x' }, 'update')).toEqual({ name: 'x' });
	});

	it('accepts limits exactly', () => {
		const value = valueOf({
			...valid(),
			name: 'n'.repeat(255),
			description: 'd'.repeat(10_000),
			url: `https://example.com/${'a'.repeat(2048 - 'https://example.com/'.length)}`,
			headers: Array.from({ length: 50 }, (_, index) => ({ header: `X-${index}`, value: 'v'.repeat(8192) })),
			fields: Array.from({ length: 200 }, (_, index) => `f${index}`),
			filter: nest(10),
		});
		expect(value.filter).toEqual(nest(10));
		expect(value.headers).toHaveLength(50);
		expect(value.fields).toHaveLength(200);
	});

	it('does not mutate its input', () => {
		const input = { ...valid(), actions: 'create', headers: [{ header: 'X-A' }] };
		const snapshot = structuredClone(input);
		valueOf(input);
		expect(input).toEqual(snapshot);
	});
});

describe('validateWebhook: malformed input', () => {
	const cases: [string, unknown, string[], ('create' | 'update')?][] = [
		['null body', null, ['(body)']],
		['array body', [valid()], ['(body)']],
		['string body', JSON.stringify(valid()), ['(body)']],
		['Date body', new Date(), ['(body)']],
		['empty update', {}, ['(body)'], 'update'],
		['missing required fields on create', {}, ['name', 'url', 'actions', 'collections']],
		['null required field on create', { ...valid(), url: null }, ['url']],
		['unknown field', { ...valid(), callback: 'x' }, ['callback']],
		['read-only id', { ...valid(), id: 3 }, ['id']],
		['read-only disabled_reason and failing_since', { disabled_reason: null, failing_since: 1 }, ['disabled_reason', 'failing_since'], 'update'],
		['read-only date fields', { date_created: 'x', date_updated: 'y' }, ['date_created', 'date_updated'], 'update'],
		['secret without prefix', { secret: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, ['secret'], 'update'],
		['secret too short', { secret: `whsec_${base64Of(23)}` }, ['secret'], 'update'],
		['secret too long', { secret: `whsec_${base64Of(65)}` }, ['secret'], 'update'],
		['secret not base64', { secret: 'whsec_not*base64*at*all*not*base64*at*' }, ['secret'], 'update'],
		['secret without padding', { secret: `whsec_${base64Of(25).replace(/=+$/, '')}` }, ['secret'], 'update'],
		['secret as number', { secret: 42 }, ['secret'], 'update'],
		['name as number', { ...valid(), name: 5 }, ['name']],
		['blank name', { ...valid(), name: '   ' }, ['name']],
		['null name on update', { name: null }, ['name'], 'update'],
		['name too long', { ...valid(), name: 'n'.repeat(256) }, ['name']],
		['description as object', { description: { text: 'x' } }, ['description'], 'update'],
		['description too long', { description: 'd'.repeat(10_001) }, ['description'], 'update'],
		['unknown method', { method: 'TRACE' }, ['method'], 'update'],
		['method as array', { method: ['POST'] }, ['method'], 'update'],
		['status in the wrong case', { status: 'Active' }, ['status'], 'update'],
		['data as the string "true"', { data: 'true' }, ['data'], 'update'],
		['include_previous as 1', { include_previous: 1 }, ['include_previous'], 'update'],
		['url as number', { url: 42 }, ['url'], 'update'],
		['empty url', { url: '' }, ['url'], 'update'],
		['javascript: url', { url: 'javascript:alert(1)' }, ['url'], 'update'],
		['ftp: url', { url: 'ftp://files.example.com/x' }, ['url'], 'update'],
		['file: url', { url: 'file:///etc/passwd' }, ['url'], 'update'],
		['relative url', { url: '/hooks/directus' }, ['url'], 'update'],
		['protocol-relative url', { url: '//example.com/hook' }, ['url'], 'update'],
		['scheme without slashes', { url: 'http:example.com' }, ['url'], 'update'],
		['url without host', { url: 'https://' }, ['url'], 'update'],
		['url with credentials', { url: 'https://user:pass@example.com/hook' }, ['url'], 'update'],
		['url with user only', { url: 'https://user@example.com/hook' }, ['url'], 'update'],
		['url with fragment', { url: 'https://example.com/hook#part' }, ['url'], 'update'],
		['url with empty fragment', { url: 'https://example.com/hook#' }, ['url'], 'update'],
		['url with a space', { url: 'https://example.com/a b' }, ['url'], 'update'],
		['url with a newline', { url: 'https://example.com/\nHost: evil' }, ['url'], 'update'],
		['url with a NUL', { url: 'https://example.com/\u0000' }, ['url'], 'update'],
		['url with a bad port', { url: 'https://example.com:99999/' }, ['url'], 'update'],
		['url too long', { url: `https://example.com/${'a'.repeat(2048)}` }, ['url'], 'update'],
		['empty actions array', { actions: [] }, ['actions'], 'update'],
		['empty actions csv', { actions: ' , ' }, ['actions'], 'update'],
		['unknown action', { actions: ['create', 'upsert'] }, ['actions'], 'update'],
		['unknown action in csv', { actions: 'create,items.create' }, ['actions'], 'update'],
		['action in the wrong case', { actions: ['Create'] }, ['actions'], 'update'],
		['actions with a number', { actions: ['create', 1] }, ['actions'], 'update'],
		['actions as object', { actions: { create: true } }, ['actions'], 'update'],
		['unknown collection', { ...valid(), collections: ['articles', 'secrets'] }, ['collections']],
		['unknown collection in csv', { collections: 'articles,nope' }, ['collections'], 'update'],
		['duplicate collection', { collections: ['articles', 'articles'] }, ['collections'], 'update'],
		['collections as number', { collections: 7 }, ['collections'], 'update'],
		['empty collections', { collections: [] }, ['collections'], 'update'],
		['headers as object', { headers: { Authorization: 'x' } }, ['headers'], 'update'],
		['headers as string', { headers: 'Authorization: x' }, ['headers'], 'update'],
		['too many headers', { headers: Array.from({ length: 51 }, (_, index) => ({ header: `X-${index}`, value: '' })) }, ['headers'], 'update'],
		['header entry as string', { headers: ['X-A: b'] }, ['headers[0]'], 'update'],
		['header name with a space', { headers: [{ header: 'X-A', value: '' }, { header: 'X A', value: '' }] }, ['headers[1].header'], 'update'],
		['header name with a colon', { headers: [{ header: 'X-A:', value: 'b' }] }, ['headers[0].header'], 'update'],
		['empty header name', { headers: [{ header: '', value: 'b' }] }, ['headers[0].header'], 'update'],
		['header name too long', { headers: [{ header: 'X'.repeat(257), value: 'b' }] }, ['headers[0].header'], 'update'],
		['header value with CR LF', { headers: [{ header: 'X-A', value: 'ok\r\nX-Injected: 1' }] }, ['headers[0].value'], 'update'],
		['header value with LF', { headers: [{ header: 'X-A', value: 'ok\nX-Injected: 1' }] }, ['headers[0].value'], 'update'],
		['header value with NUL', { headers: [{ header: 'X-A', value: 'ok\u0000' }] }, ['headers[0].value'], 'update'],
		['header value with another control character', { headers: [{ header: 'X-A', value: 'ok\u0007' }] }, ['headers[0].value'], 'update'],
		['header value beyond Latin-1', { headers: [{ header: 'X-A', value: 'snow ☃' }] }, ['headers[0].value'], 'update'],
		['header value as number', { headers: [{ header: 'X-A', value: 5 }] }, ['headers[0].value'], 'update'],
		['header value too long', { headers: [{ header: 'X-A', value: 'v'.repeat(8193) }] }, ['headers[0].value'], 'update'],
		['header secret as string', { headers: [{ header: 'X-A', value: 'b', secret: 'yes' }] }, ['headers[0].secret'], 'update'],
		['header with an extra property', { headers: [{ header: 'X-A', value: 'b', note: 'x' }] }, ['headers[0].note'], 'update'],
		['reserved webhook-signature', { headers: [{ header: 'Webhook-Signature', value: 'v1,x' }] }, ['headers[0].header'], 'update'],
		['reserved host', { headers: [{ header: 'X-A', value: '' }, { header: 'HOST', value: 'evil' }] }, ['headers[1].header'], 'update'],
		['reserved content-length', { headers: [{ header: 'content-length', value: '0' }] }, ['headers[0].header'], 'update'],
		['reserved transfer-encoding and connection', { headers: [{ header: 'Transfer-Encoding', value: 'chunked' }, { header: 'Connection', value: 'close' }] }, ['headers[0].header', 'headers[1].header'], 'update'],
		['reserved webhook-id and webhook-timestamp', { headers: [{ header: 'webhook-id', value: 'a' }, { header: 'webhook-timestamp', value: '1' }] }, ['headers[0].header', 'headers[1].header'], 'update'],
		['duplicate header, different case', { headers: [{ header: 'X-Token', value: 'a' }, { header: 'x-token', value: 'b' }] }, ['headers[1].header'], 'update'],
		['filter as array', { filter: [{ status: { _eq: 'x' } }] }, ['filter'], 'update'],
		['filter as string', { filter: '{"status":{"_eq":"x"}}' }, ['filter'], 'update'],
		['filter nested too deep', { filter: nest(11) }, ['filter'], 'update'],
		['filter too large', { filter: { _or: Array.from({ length: 2000 }, (_, index) => ({ id: { _eq: index } })) } }, ['filter'], 'update'],
		['filter with a BigInt', { filter: { id: { _eq: 1n } } }, ['filter'], 'update'],
		['previous_filter as array', { previous_filter: [{ status: { _eq: 'draft' } }] }, ['previous_filter'], 'update'],
		['previous_filter as string', { previous_filter: '{"status":{"_eq":"draft"}}' }, ['previous_filter'], 'update'],
		['previous_filter nested too deep', { previous_filter: nest(11) }, ['previous_filter'], 'update'],
		['watch_fields as number', { watch_fields: 3 }, ['watch_fields'], 'update'],
		['watch_fields with a bad name', { watch_fields: ['title', 'bad name'] }, ['watch_fields'], 'update'],
		['fields with a bad csv entry', { fields: 'title,na;me' }, ['fields'], 'update'],
		['fields with a name too long', { fields: ['f'.repeat(129)] }, ['fields'], 'update'],
		['fields with a number', { fields: ['title', 2] }, ['fields'], 'update'],
		['too many fields', { fields: Array.from({ length: 201 }, (_, index) => `f${index}`) }, ['fields'], 'update'],
		['unknown payload mode', { payload: 'full' }, ['payload'], 'update'],
		['item_role not a UUID', { item_role: 'administrator' }, ['item_role'], 'update'],
		['item_role as number', { item_role: 1 }, ['item_role'], 'update'],
	];

	it.each(cases)('%s', (_name, input, fields, mode = 'create') => {
		const patched = mode === 'create' && isPlainObject(input) && Object.keys(input).length > 0 ? { ...valid(), ...input } : input;
		expect(fieldsOf(patched, mode)).toEqual(fields);
	});

	it('collects every error at once, in field order', () => {
		const errors = errorsOf({
			name: '',
			url: 'ftp://example.com',
			actions: 'create,archive',
			collections: ['ghosts'],
			method: 'FETCH',
			headers: [{ header: 'Host', value: 'x' }, { header: 'X-A', value: 'a\r\nb' }],
			bogus: true,
			id: 1,
		});
		expect(errors.map((error) => error.field)).toEqual([
			'bogus', 'id', 'name', 'method', 'url', 'actions', 'collections', 'headers[0].header', 'headers[1].value',
		]);
		expect(errors.find((error) => error.field === 'actions')?.reason).toContain('"archive"');
		expect(errors.find((error) => error.field === 'collections')?.reason).toBe('unknown collection "ghosts"');
	});

	it('reports several problems of one header entry and of several entries', () => {
		expect(fieldsOf({ headers: [{ header: 'bad name', value: 1, secret: 'no' }, { header: 'X-B', value: 'a\nb' }] }, 'update')).toEqual([
			'headers[0].header', 'headers[0].value', 'headers[0].secret', 'headers[1].value',
		]);
	});

	it('names header injection as such, apart from other bad characters', () => {
		for (const value of ['a\r\nX-Injected: 1', 'a\nb', 'a\rb', 'a\u0000b']) {
			expect(errorsOf({ headers: [{ header: 'X-A', value }] }, 'update')).toEqual([
				{ field: 'headers[0].value', reason: 'must not contain line breaks (CR, LF) or NUL characters' },
			]);
		}
		expect(errorsOf({ headers: [{ header: 'X-A', value: 'a\u0007' }] }, 'update')[0]?.reason).toContain('printable');
	});

	it('reports unknown and duplicate collections together', () => {
		const errors = errorsOf({ collections: 'a,articles,b,articles' }, 'update');
		expect(errors).toEqual([
			{ field: 'collections', reason: 'unknown collection "a", "b"' },
			{ field: 'collections', reason: 'lists "articles" more than once' },
		]);
	});

	it('explains the required form of the secret instead of only calling it read-only', () => {
		const [error] = errorsOf({ secret: 'hunter2' }, 'update');
		expect(error?.field).toBe('secret');
		expect(error?.reason).toMatch(/whsec_.*base64.*24 to 64/);
		expect(error?.reason).not.toContain('hunter2');
	});

	// Node's decoder is the signer's: a secret is valid when it re-encodes unchanged to 24 to 64 bytes.
	const nodeAccepts = (secret: string): boolean => {
		const encoded = secret.slice('whsec_'.length);
		const key = Buffer.from(encoded, 'base64');
		return secret.startsWith('whsec_') && key.toString('base64') === encoded && key.length >= 24 && key.length <= 64;
	};

	it("agrees with Node's base64 decoder, which the signer uses, on which secrets are valid", () => {
		const canonical = `whsec_${base64Of(25)}`;
		// Same length and padding, but the unused low bits of the last data character are set.
		const lastData = canonical.length - 3;
		const nonCanonical = `${canonical.slice(0, lastData)}${canonical[lastData] === 'B' ? 'C' : 'B'}==`;
		const candidates = [
			SECRET, canonical, nonCanonical, `whsec_${base64Of(24)}`, `whsec_${base64Of(26)}`, `whsec_${base64Of(64)}`,
			`whsec_${base64Of(65)}`, `whsec_${base64Of(23)}`, `whsec_${base64Of(30)}===`, `whsec_${base64Of(30)} `, 'whsec_', `whsec_${'-'.repeat(32)}`,
		];
		for (const secret of candidates) {
			expect(check({ secret }, 'update').ok, secret).toBe(nodeAccepts(secret));
		}
		expect(check({ secret: nonCanonical }, 'update').ok).toBe(false);
	});
});

describe('validateWebhook: what passed, beside the errors', () => {
	it('keeps the fields that passed in value, so checks against stored data can run beside the errors', () => {
		const result = check({ ...valid(), name: '', method: 'patch', headers: [{ header: 'X-A', value: 'a\nb' }] });
		expect(result.ok).toBe(false);
		expect(result.value).toEqual({ method: 'PATCH', url: valid().url, actions: ['create', 'update'], collections: ['articles'] });
	});

	it('keeps nothing of a field that holds a prototype key', () => {
		expect(check(JSON.parse('{"filter": {"__proto__": {}}, "status": "active"}'), 'update').value).toEqual({ status: 'active' });
	});

	it('never throws and answers only with its own reasons, whatever the input', () => {
		const next = seededRandom(0xbadf00d);
		const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
		const keys = ['name', 'url', 'actions', 'collections', 'method', 'status', 'data', 'headers', 'filter', 'fields', 'watch_fields', 'payload', 'item_role', 'include_previous', 'description', 'secret', 'id', 'other'];
		const scalar = (): unknown => pick([null, undefined, true, 0, 1.5, '', 'a b', 'POST', 'create', 'articles', 'https://example.com/x', 'ftp://x', MASK, SECRET, ROLE, '\u0000', 'x'.repeat(300), 'Host', 'X-A']);
		const anyValue = (depth: number): unknown => {
			const roll = next();
			if (depth > 3 || roll < 0.5) return scalar();
			if (roll < 0.75) return Array.from({ length: Math.floor(next() * 4) }, () => anyValue(depth + 1));
			const object: Record<string, unknown> = {};
			for (let count = Math.floor(next() * 4); count > 0; count -= 1) object[pick(['header', 'value', 'secret', '_eq', 'a', 'status'])] = anyValue(depth + 1);
			return object;
		};
		for (let run = 0; run < 3000; run += 1) {
			const input: Record<string, unknown> = {};
			for (let count = Math.floor(next() * 6); count > 0; count -= 1) input[pick(keys)] = anyValue(0);
			const result = check(input, next() < 0.5 ? 'create' : 'update');
			if (result.ok) continue;
			expect(result.errors.length).toBeGreaterThan(0);
			for (const error of result.errors) {
				expect(error.field).not.toBe('');
				expect(error.reason).not.toMatch(/^Invalid /);
			}
		}
	});
});

describe('validateWebhook: prototype keys', () => {
	it('rejects __proto__ at the top level as JSON.parse makes it', () => {
		const input = JSON.parse('{"__proto__": {"isAdmin": true}, "status": "active"}');
		expect(errorsOf(input, 'update')).toEqual([{ field: '__proto__', reason: expect.stringContaining('prototype keys') }]);
	});

	it('rejects prototype keys at any depth with their path', () => {
		const input = JSON.parse(`{
			"filter": {"_and": [{"status": {"_eq": "x"}}, {"__proto__": {"polluted": 1}}]},
			"headers": [{"header": "X-A", "value": "b", "constructor": {"prototype": 1}}],
			"name": "ok"
		}`);
		expect(fieldsOf(input, 'update')).toEqual(['filter._and[1].__proto__', 'headers[0].constructor']);
	});

	it('rejects constructor and prototype keys and keeps checking the other fields', () => {
		expect(fieldsOf({ ...valid(), constructor: 'x', filter: { prototype: {} }, name: '' })).toEqual(['constructor', 'filter.prototype', 'name']);
	});

	it('finds them beyond the filter depth limit', () => {
		const deep = JSON.parse(`${'{"a":'.repeat(40)}{"__proto__":1}${'}'.repeat(40)}`);
		expect(fieldsOf({ filter: deep }, 'update')).toEqual([`filter${'.a'.repeat(40)}.__proto__`]);
	});

	it('does not pollute Object.prototype while validating', () => {
		check(JSON.parse('{"filter": {"__proto__": {"polluted": true}}}'), 'update');
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});
});

describe('validateWebhook: error messages', () => {
	it('never echoes a header value', () => {
		const secretValue = 'Bearer sk_live_TOPSECRET';
		const errors = errorsOf({
			headers: [
				{ header: 'Authorization', value: `${secretValue}\r\nX-Evil: 1`, secret: true },
				{ header: 'authorization', value: secretValue, secret: true },
				{ header: 'Host', value: secretValue },
				{ header: 'X-Long', value: `${secretValue}${'x'.repeat(9000)}` },
				{ header: 'X-Snow', value: `${secretValue}☃` },
			],
		}, 'update');
		expect(errors).toHaveLength(5);
		expect(formatErrors(errors)).not.toContain('TOPSECRET');
	});

	it('gives limits rather than the overlong value', () => {
		const long = 'q'.repeat(300);
		const [error] = errorsOf({ name: long }, 'update');
		expect(error).toEqual({ field: 'name', reason: 'must be at most 255 characters' });
		expect(errorsOf({ url: `https://example.com/${'z'.repeat(3000)}` }, 'update')[0]?.reason).toBe('must be at most 2048 characters');
	});

	it('truncates long unknown keys and values it quotes', () => {
		const key = 'k'.repeat(5000);
		const [error] = errorsOf({ [key]: 1 }, 'update');
		expect(error!.field.length).toBeLessThan(100);
		expect(error!.reason.length).toBeLessThan(100);
		const [action] = errorsOf({ actions: ['a'.repeat(5000)] }, 'update');
		expect(action!.reason.length).toBeLessThan(150);
	});

	it('names the unknown field and explains credentials in URLs', () => {
		expect(errorsOf({ hook_url: 'x' }, 'update')).toEqual([{ field: 'hook_url', reason: '"hook_url" is not a webhook field' }]);
		expect(errorsOf({ id: 1 }, 'update')).toEqual([{ field: 'id', reason: 'is read-only' }]);
		expect(errorsOf({ url: 'https://u:p@example.com' }, 'update')[0]?.reason).toContain('secret header');
		expect(errorsOf({ data: 'true' }, 'update')[0]?.reason).toContain('not a string');
		expect(errorsOf({}, 'update')).toEqual([{ field: '(body)', reason: 'nothing to update' }]);
	});
});

describe('parseCsvList', () => {
	it('splits, trims and drops empty csv entries', () => {
		expect(parseCsvList(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
		expect(parseCsvList('')).toEqual([]);
	});

	it('trims arrays of strings and rejects other arrays and types', () => {
		expect(parseCsvList([' a', 'b '])).toEqual(['a', 'b']);
		expect(parseCsvList(['a', 1])).toBeNull();
		expect(parseCsvList(null)).toBeNull();
		expect(parseCsvList(5)).toBeNull();
		expect(parseCsvList({ 0: 'a' })).toBeNull();
	});
});

describe('formatErrors', () => {
	it('joins errors on one line', () => {
		expect(formatErrors([{ field: 'url', reason: 'must use http: or https:' }, { field: 'headers[0].value', reason: 'must be a string' }])).toBe(
			'url: must use http: or https:; headers[0].value: must be a string',
		);
		expect(formatErrors([])).toBe('');
	});
});

function nest(levels: number): Record<string, unknown> {
	let filter: Record<string, unknown> = { _eq: 1 };
	for (let level = 1; level < levels; level++) filter = { _and: filter };
	return filter;
}

describe('validateWebhook: body templates, content types, debounce and presets', () => {
	it('accepts a JSON template with the default content type, a form template with its type, and the debounce fields', () => {
		expect(valueOf({ ...valid(), body_template: '{"text": "{{ payload.title }}"}' })).toMatchObject({ body_template: '{"text": "{{ payload.title }}"}' });
		expect(valueOf({ ...valid(), body_template: 'title={{ payload.title }}', content_type: 'application/x-www-form-urlencoded' })).toMatchObject({
			content_type: 'application/x-www-form-urlencoded',
		});
		expect(valueOf({ ...valid(), debounce_seconds: 30, debounce_max_seconds: 300, preset: 'netlify' })).toMatchObject({ debounce_seconds: 30, debounce_max_seconds: 300, preset: 'netlify' });
		expect(valueOf({ ...valid(), body_template: '' })).toMatchObject({ body_template: null });
	});

	it('names body_template and the position when a JSON template cannot render JSON', () => {
		const [error] = errorsOf({ ...valid(), body_template: '{"text": {{ payload.title }}' });
		expect(error).toEqual({ field: 'body_template', reason: expect.stringMatching(/^is not valid JSON at/) });
		// The same text is a fine plain-text body.
		expect(valueOf({ ...valid(), body_template: '{"text": {{ payload.title }}', content_type: 'text/plain' })).toBeTruthy();
	});

	it('checks a changed template against the stored content type, and a changed content type against the stored template', () => {
		const stored = { body_template: 'plain {{ event }} text', content_type: 'text/plain', debounce_seconds: 60, debounce_max_seconds: null };
		const update = (input: unknown) => validateWebhook(input, { mode: 'update', collections: COLLECTIONS, stored });
		expect(update({ body_template: 'more {{ event }} text' }).ok).toBe(true);
		const changed = update({ content_type: 'application/json' });
		expect(changed.ok ? [] : changed.errors.map((error) => error.field)).toEqual(['body_template']);
		// The cap alone, below the stored debounce.
		const cap = update({ debounce_max_seconds: 30 });
		expect(cap.ok ? [] : cap.errors).toEqual([{ field: 'debounce_max_seconds', reason: 'must be at least debounce_seconds' }]);
		expect(update({ debounce_max_seconds: 90 }).ok).toBe(true);
	});

	it('refuses a template that does not parse, a bad content type, out-of-range debounce and an unknown preset, all at once', () => {
		expect(fieldsOf({
			...valid(),
			body_template: 'x {{ payload.title',
			content_type: 'json please',
			debounce_seconds: -1,
			debounce_max_seconds: 0,
			preset: 'myspace',
		})).toEqual(['body_template', 'content_type', 'debounce_seconds', 'debounce_max_seconds', 'preset']);
		expect(fieldsOf({ debounce_seconds: 60, debounce_max_seconds: 30 }, 'update')).toEqual(['debounce_max_seconds']);
		expect(fieldsOf({ body_template: 'x'.repeat(70_000) }, 'update')).toEqual(['body_template']);
	});

	it('allows placeholders in the URL path and query and in header values, never in the host', () => {
		expect(valueOf({ ...valid(), url: 'https://api.example.com/items/{{ key }}?event={{ event }}' })).toMatchObject({ url: 'https://api.example.com/items/{{ key }}?event={{ event }}' });
		expect(valueOf({ ...valid(), headers: [{ header: 'X-Event', value: '{{ event }}' }] })).toBeTruthy();
		expect(errorsOf({ url: 'https://{{ payload.host }}/x' }, 'update')).toEqual([{ field: 'url', reason: 'may use {{ }} placeholders only in its path and query, not in the host' }]);
		expect(errorsOf({ url: 'https://user{{ a }}@example.com/x' }, 'update')[0]?.field).toBe('url');
		expect(errorsOf({ url: 'https://example.com/{{ a b }}' }, 'update')[0]?.reason).toMatch(/not a path/);
		expect(errorsOf({ headers: [{ header: 'X-Event', value: '{{ event' }] }, 'update')[0]?.field).toBe('headers[0].value');
	});
});

describe('validateWebhook: actions that happen only to some collections', () => {
	const withFiles = [...COLLECTIONS, 'directus_files'];
	const create = (input: Record<string, unknown>) => validateWebhook({ ...valid(), ...input }, { mode: 'create', collections: withFiles });

	it('accepts upload on directus_files, alone or among other collections, and promote on a collection of ones own', () => {
		expect(create({ actions: ['upload', 'update', 'delete'], collections: ['directus_files'] }).ok).toBe(true);
		expect(create({ actions: ['upload', 'create'], collections: ['articles', 'directus_files'] }).ok).toBe(true);
		expect(create({ actions: ['promote'], collections: ['articles'] }).ok).toBe(true);
		expect(create({ actions: ['promote', 'create'], collections: ['articles', 'directus_users'] }).ok).toBe(true);
	});

	it('refuses upload without directus_files, naming actions and saying what to add', () => {
		const result = create({ actions: ['create', 'upload'], collections: ['articles'] });
		expect(result.ok ? [] : result.errors).toEqual([{ field: 'actions', reason: '"upload" happens only to files: add "directus_files" to collections, or remove "upload"' }]);
	});

	it('refuses promote when every collection is one of Directus\'s own, which have no content versions', () => {
		const result = create({ actions: ['promote'], collections: ['directus_users', 'directus_files'] });
		expect(result.ok ? [] : result.errors.map((error) => error.field)).toEqual(['actions']);
		expect(result.ok ? '' : result.errors[0]!.reason).toMatch(/^"promote" \(publishing a content version\) happens only to items of your own collections/);
	});

	it('checks a change of either field against the other as stored', () => {
		const stored = { body_template: null, content_type: 'application/json', debounce_seconds: 0, debounce_max_seconds: null, actions: ['upload'], collections: ['directus_files'] };
		const update = (input: unknown) => validateWebhook(input, { mode: 'update', collections: withFiles, stored });
		expect(update({ name: 'renamed' }).ok).toBe(true);
		const moved = update({ collections: ['articles'] });
		expect(moved.ok ? [] : moved.errors.map((error) => error.field)).toEqual(['actions']);
		expect(update({ collections: ['articles'], actions: ['create'] }).ok).toBe(true);
		expect(update({ actions: ['upload', 'delete'] }).ok).toBe(true);
	});

	it('leaves an update alone when nothing stored is known to check it against', () => {
		expect(validateWebhook({ actions: ['upload'] }, { mode: 'update', collections: withFiles }).ok).toBe(true);
	});
});

describe('validateWebhook: webhook alerts as a source', () => {
	const create = (input: Record<string, unknown>) => validateWebhook({ ...valid(), ...input }, { mode: 'create', collections: COLLECTIONS });
	const errors = (input: Record<string, unknown>) => {
		const result = create(input);
		return result.ok ? [] : result.errors;
	};

	it('accepts the alert action alone on webhooks_outgoing', () => {
		expect(create({ actions: ['alert'], collections: ['webhooks_outgoing'] }).ok).toBe(true);
	});

	it('refuses webhooks_outgoing as a source of item events, naming collections', () => {
		expect(errors({ actions: ['create'], collections: ['webhooks_outgoing'] })).toEqual([
			{ field: 'collections', reason: '"webhooks_outgoing" belongs to this extension and cannot be a webhook source, except of webhook alerts (actions ["alert"])' },
		]);
	});

	it('refuses alert mixed with other actions or other collections, naming actions', () => {
		const reason = '"alert" (webhook alerts) goes alone, with collections ["webhooks_outgoing"] only';
		expect(errors({ actions: ['alert', 'create'], collections: ['webhooks_outgoing'] })).toEqual([{ field: 'actions', reason }]);
		expect(errors({ actions: ['alert'], collections: ['articles'] })).toEqual([{ field: 'actions', reason }]);
		expect(errors({ actions: ['alert'], collections: ['webhooks_outgoing', 'articles'] })).toEqual([{ field: 'actions', reason }]);
	});

	it('still refuses the delivery log as a source whatever the actions', () => {
		const found = errors({ actions: ['alert'], collections: ['webhooks_deliveries'] });
		expect(found.find((error) => error.field === 'collections')?.reason).toBe('"webhooks_deliveries" belongs to this extension and cannot be a webhook source');
		expect(found.map((error) => error.field).sort()).toEqual(['actions', 'collections']);
	});

	it('checks a change of collections against the stored actions', () => {
		const stored = { body_template: null, content_type: 'application/json', debounce_seconds: 0, debounce_max_seconds: null, actions: ['create'], collections: ['articles'] };
		const moved = validateWebhook({ collections: ['webhooks_outgoing'] }, { mode: 'update', collections: COLLECTIONS, stored });
		expect(moved.ok ? [] : moved.errors.map((error) => error.field)).toEqual(['collections']);
	});
});

describe('validateWebhook: rate limit and ordering', () => {
	it('accepts a rate limit from 1 to 10,000 per second or none, and ordered as a boolean', () => {
		expect(valueOf({ ...valid(), rate_limit_per_second: 1, ordered: true })).toMatchObject({ rate_limit_per_second: 1, ordered: true });
		expect(valueOf({ ...valid(), rate_limit_per_second: 10_000, ordered: false })).toMatchObject({ rate_limit_per_second: 10_000, ordered: false });
		expect(valueOf({ rate_limit_per_second: null }, 'update')).toEqual({ rate_limit_per_second: null });
	});

	it('names both fields at once when both are bad, and never stores a zero, fractional, text or huge limit', () => {
		expect(fieldsOf({ ...valid(), rate_limit_per_second: 0, ordered: 'yes' })).toEqual(['rate_limit_per_second', 'ordered']);
		for (const bad of [-1, 2.5, '10', 10_001, Number.NaN, {}]) expect(fieldsOf({ rate_limit_per_second: bad }, 'update')).toEqual(['rate_limit_per_second']);
		expect(errorsOf({ rate_limit_per_second: 0 }, 'update')[0]!.reason).toMatch(/from 1 to 10000/);
	});

	it('refuses writing the shared bucket state', () => {
		expect(fieldsOf({ throttle_next_slot: 0 }, 'update')).toEqual(['throttle_next_slot']);
	});
});
