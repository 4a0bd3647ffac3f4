// Bodies sent to hurt: one built to break the parser or the database (JSON nested thousands of
// levels deep) is stored like any other unreadable body, as text with a parse_error, and never takes
// down the requests stored in the same group as it; a big body behind a wrong key or password is
// refused before it is read.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
let endpoint: { id: number; url: string; collection: string };

const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const post = (body: string) => fetch(endpoint.url, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then(async (response) => ({ status: response.status, text: await response.text() }));

beforeAll(async () => {
	const response = await api.post('/webhooks/endpoints', { name: 'deep', suffix: `deep-${randomBytes(3).toString('hex')}` });
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	endpoint = response.body.data;
});

afterAll(async () => {
	if (endpoint) await api.delete(`/webhooks/endpoints/${endpoint.id}?drop_collection=true`);
});

/** The stored rows, newest first (bodies too long for a filter in a URL are compared here). */
async function rows(): Promise<Record<string, any>[]> {
	const response = await api.get(`/items/${endpoint.collection}?sort=-id&limit=-1&fields=id,body,body_text,parse_error`);
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	return response.body.data;
}

describe('deeply nested JSON bodies', () => {
	it('5,000 levels are stored as text with a parse_error, and the 40 requests beside it are all stored', async () => {
		const tag = randomBytes(3).toString('hex');
		const deep = nested(5000);
		const normal = Array.from({ length: 40 }, (_, index) => post(JSON.stringify({ tag, n: index })));
		const answers = await Promise.all([...normal.slice(0, 20), post(deep), ...normal.slice(20)]);
		expect(answers.map((answer) => answer.status), answers.find((answer) => answer.status !== 200)?.text).toEqual(Array(41).fill(200));
		const all = await rows();
		const row = all.find((item) => item.body_text === deep);
		expect(row?.parse_error).toMatch(/nested deeper than \d+ levels/);
		expect(row?.body).toBeNull();
		expect(all.filter((item) => item.body?.tag === tag).map((item) => item.body.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, index) => index));
	});

	it('1,000 levels are stored with a 2xx, as JSON where the database holds that depth and as text elsewhere', async () => {
		const body = nested(1000);
		expect((await post(body)).status).toBe(200);
		const [newest] = await rows();
		if (newest!.body_text === null) {
			// Kept as JSON: the row holds it whole.
			let depth = 0;
			for (let node = newest!.body; node && typeof node === 'object'; node = node.a) depth += 1;
			expect(depth).toBe(1000);
		} else {
			expect(newest!.body_text).toBe(body);
			expect(newest!.parse_error).toMatch(/nested deeper than \d+ levels/);
		}
	});

	it('a body just within what the database holds stays JSON', async () => {
		const body = nested(20);
		expect((await post(body)).status).toBe(200);
		const [newest] = await rows();
		expect(newest!.parse_error).toBeNull();
		expect(newest!.body.a.a.a).toBeTypeOf('object');
	});
});

describe('credentials in headers or the query', () => {
	/** Sends the headers and the first 64 KB of a declared 10 MB body, then waits for an answer without sending more. */
	function partialPost(url: string, headers: Record<string, string>): Promise<number | 'no answer'> {
		const target = new URL(url);
		return new Promise((resolve) => {
			const request = httpRequest({ host: target.hostname, port: Number(target.port), method: 'POST', path: `${target.pathname}${target.search}`, headers: { ...headers, 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) } });
			const timer = setTimeout(() => {
				resolve('no answer');
				request.destroy();
			}, 5_000);
			request.on('response', (response) => {
				clearTimeout(timer);
				resolve(response.statusCode ?? 0);
				response.resume();
				request.destroy();
			});
			request.on('error', () => undefined);
			request.write(Buffer.alloc(64 * 1024, 0x20));
		});
	}

	it('a wrong API key (header or query) or password gets 401 before the body is read', async () => {
		const tag = randomBytes(3).toString('hex');
		const configs = [
			{ auth: 'api_key', auth_config: { header: 'X-Key' } },
			{ auth: 'api_key', auth_config: { query: 'key' } },
			{ auth: 'basic', secrets: [`hook:pw-${tag}`] },
		];
		for (const [index, config] of configs.entries()) {
			const created = await api.post('/webhooks/endpoints', { name: 'early', suffix: `early-${tag}-${index}`, max_body_bytes: 10 * 1024 * 1024, ...config });
			expect(created.status, JSON.stringify(created.body)).toBe(200);
			const { id, url } = created.body.data;
			try {
				const wrong = { 'x-key': 'wrong', authorization: `Basic ${Buffer.from('hook:wrong').toString('base64')}` };
				expect(await partialPost(config.auth_config?.query ? `${url}?key=wrong` : url, wrong), JSON.stringify(config)).toBe(401);
			} finally {
				await api.delete(`/webhooks/endpoints/${id}?drop_collection=true`);
			}
		}
	});
});
