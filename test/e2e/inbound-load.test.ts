// Inbound endpoints under hostile load, on an instance of its own with a small byte budget: bodies
// in flight across all endpoints are capped (the rest get 503 with Retry-After, nothing stored, the
// budget comes back on abort and timeout), and a flood of wrong keys from one address never makes
// the real sender, at another address, hit the rate limit.
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { startStack, type Stack } from '../harness/stack.ts';

const info = inject('directus');
const MB = 1024 * 1024;
const BUDGET = 4 * MB;
const BODY_TIMEOUT_S = 3;
let stack: Stack;
let api: ApiClient;

interface Sent {
	request: ClientRequest;
	response: Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>;
}

/** Starts a POST and sends `first` bytes of the body; the caller decides whether the rest follows. */
function start(url: string, options: { length?: number; first?: number; headers?: Record<string, string>; from?: string } = {}): Sent {
	const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
	if (options.length !== undefined) headers['content-length'] = String(options.length);
	const request = httpRequest(url, { method: 'POST', headers, localAddress: options.from });
	const response = new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>((resolve, reject) => {
		request.on('response', (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
			res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' }));
		});
		// Writing after the server refused and closed: only a failure if no answer came.
		request.on('error', (error) => setTimeout(() => reject(error), 1000));
	});
	response.catch(() => undefined);
	if (options.first) request.write(Buffer.alloc(options.first, 0x20));
	return { request, response };
}

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}, from?: string) {
	const sent = start(url, { length: Buffer.byteLength(body), headers, from });
	sent.request.end(body);
	return sent.response;
}

/** A JSON body of `size` bytes. */
const jsonOf = (size: number) => `{"pad":"${'x'.repeat(size - 10)}"}`;

async function createEndpoint(body: Record<string, unknown>) {
	const response = await api.post('/webhooks/endpoints', body);
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	return response.body.data as { id: number; url: string; collection: string; secret?: string };
}

beforeAll(async () => {
	stack = await startStack(info.kind, {
		label: `${info.kind}-inbound-load`,
		env: { WEBHOOKS_INBOUND_MAX_BYTES_IN_FLIGHT: String(BUDGET), WEBHOOKS_INBOUND_BODY_TIMEOUT: `${BODY_TIMEOUT_S}s` },
	});
	api = new ApiClient(stack.info.url, stack.info.token);
});

afterAll(async () => {
	await stack?.stop();
});

describe('inbound bodies in flight', () => {
	it('bodies beyond the budget get 503 with Retry-After and store nothing; a small request passes meanwhile; the budget returns after abort and timeout', { timeout: 60_000 }, async () => {
		const big = await createEndpoint({ name: 'big', suffix: 'load/big', max_body_bytes: 10 * MB });
		const small = await createEndpoint({ name: 'small', suffix: 'load/small' });

		// Two slow senders hold 3 MB of the 4 MB budget with their declared lengths.
		const held = [start(big.url, { length: 1.5 * MB, first: 1024 }), start(big.url, { length: 1.5 * MB, first: 1024 })];
		await new Promise((resolve) => setTimeout(resolve, 300));
		// Refused on their declared length, before their bodies are read (the senders wait for the answer).
		const refused = await Promise.all(Array.from({ length: 6 }, () => start(big.url, { length: 1.5 * MB, first: 1024 }).response));
		for (const response of refused) {
			expect(response.status, response.body.slice(0, 200)).toBe(503);
			expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
			expect(response.headers.connection).toBe('close');
		}
		// A body without a declared length is counted as it streams.
		const chunked = start(big.url, { first: 64 * 1024 });
		let answered = false;
		void chunked.response.finally(() => (answered = true));
		for (let index = 0; index < 40 && !answered; index += 1) {
			chunked.request.write(Buffer.alloc(64 * 1024, 0x20));
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		expect(answered, 'answered before 2.5 MB were sent').toBe(true);
		expect((await chunked.response).status).toBe(503);
		chunked.request.destroy();

		const meanwhile = await post(small.url, '{"ok":true}');
		expect(meanwhile.status, meanwhile.body).toBe(200);

		// More than the whole budget could never fit: 413, not "retry later".
		const never = await start(big.url, { length: 5 * MB, first: 1024 }).response;
		expect(never.status, never.body.slice(0, 200)).toBe(413);

		// One sender gives up, the other times out: their bytes come back.
		held[0]!.request.destroy();
		const timedOut = await held[1]!.response;
		expect(timedOut.status).toBe(408);
		const whole = await post(big.url, jsonOf(3.5 * MB));
		expect(whole.status, whole.body.slice(0, 200)).toBe(200);

		const rows = await api.get(`/items/${big.collection}?aggregate[count]=id`);
		expect(Number(rows.body.data[0].count.id)).toBe(1);
	});
});

describe('inbound rate limit per source address', () => {
	it('a flood of wrong keys from one address does not make the real sender at another address get 429; each address keeps its own limit', { timeout: 60_000 }, async () => {
		const endpoint = await createEndpoint({ name: 'limited', suffix: 'load/limited', auth: 'api_key', auth_config: { header: 'x-key' }, rate_limit_per_minute: 5 });
		const key = endpoint.secret!;
		const statuses: number[] = [];
		for (let index = 0; index < 20; index += 1) statuses.push((await post(endpoint.url, '{}', { 'x-key': 'wrong' }, '127.0.0.1')).status);
		expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
		// The attacker's own address is still limited.
		expect(statuses.slice(-5)).toEqual([429, 429, 429, 429, 429]);

		for (let index = 0; index < 5; index += 1) {
			const response = await post(endpoint.url, `{"n":${index}}`, { 'x-key': key }, '127.0.0.2');
			expect(response.status, `real sender, request ${index + 1}: ${response.body}`).toBe(200);
		}
		// The real sender's own budget still applies.
		expect((await post(endpoint.url, '{"n":6}', { 'x-key': key }, '127.0.0.2')).status).toBe(429);
		// Verified requests from the attacker's address count in their own bucket, not the refused one.
		expect((await post(endpoint.url, '{"n":7}', { 'x-key': key }, '127.0.0.1')).status).toBe(200);
	});
});
