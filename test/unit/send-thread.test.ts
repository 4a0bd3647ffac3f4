// The sending thread: the message protocol on an in-process channel, then a real worker thread
// running the source (no build needed: see send-thread-source) against a real local HTTP server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { SendRequest, SendResult } from '../../extensions/src/api/outbound/transport/http-sender';
import { SendThread, serveSends, THREAD_ERROR_CODE } from '../../extensions/src/api/outbound/transport/send-thread';

const SOURCE = fileURLToPath(new URL('../support/send-thread-source.ts', import.meta.url));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const okResult = (url: string): SendResult => ({ status: 200, headers: {}, body: url, durationMs: 1, error: null, errorCode: null });
const request = (url: string): SendRequest => ({ url, method: 'POST', headers: {}, body: 'x', timeoutMs: 5_000 });

describe('serveSends', () => {
	it('answers each request by id, the results of one turn in one message, and turns a rejected send into a failed result', async () => {
		const { port1, port2 } = new MessageChannel();
		cleanups.push(() => port1.close());
		serveSends(port2, { send: async (sent) => (String(sent.url).includes('bad') ? Promise.reject(new Error('boom')) : okResult(String(sent.url))) });
		const messages: unknown[] = [];
		port1.on('message', (message) => messages.push(message));
		port1.postMessage([
			{ id: 7, request: request('http://a/') },
			{ id: 8, request: request('http://bad/') },
			{ id: 9, request: request('http://c/') },
		]);
		await expect.poll(() => messages.length).toBe(2);
		expect(messages[0]).toEqual({ ready: true });
		const results = messages[1] as { id: number; result: SendResult }[];
		expect(results.map(({ id }) => id).sort()).toEqual([7, 8, 9]);
		expect(results.find(({ id }) => id === 7)!.result.body).toBe('http://a/');
		expect(results.find(({ id }) => id === 8)!.result).toMatchObject({ status: null, error: 'boom', errorCode: 'EREQUEST' });
	});
});

async function startServer(handler: http.RequestListener): Promise<{ url: (path: string) => string; received: string[] }> {
	const received: string[] = [];
	const server = http.createServer((req, res) => {
		received.push(req.url ?? '');
		handler(req, res);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	cleanups.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
	const { port } = server.address() as AddressInfo;
	return { url: (path) => `http://127.0.0.1:${port}${path}`, received };
}

function thread(options: { allowList?: string; entry?: string } = {}) {
	const warnings: string[] = [];
	const sender = new SendThread({ guard: { allowList: options.allowList ?? '127.0.0.1' } }, { warn: (message) => warnings.push(String(message)) }, options.entry ?? SOURCE);
	cleanups.push(() => sender.close());
	return { sender, warnings };
}

describe('SendThread', () => {
	it('sends from the worker thread and returns the response', async () => {
		const server = await startServer((_req, res) => res.writeHead(202, { 'x-answer': 'yes' }).end('accepted'));
		const { sender, warnings } = thread();
		const results = await Promise.all([1, 2, 3].map((n) => sender.send(request(server.url(`/${n}`)))));
		expect(results.map((result) => [result.status, result.body, result.headers['x-answer']])).toEqual([
			[202, 'accepted', 'yes'],
			[202, 'accepted', 'yes'],
			[202, 'accepted', 'yes'],
		]);
		expect(server.received.sort()).toEqual(['/1', '/2', '/3']);
		expect(warnings).toEqual([]);
	});

	it('applies the SSRF lists in the thread: loopback is refused unless allowed', async () => {
		const server = await startServer((_req, res) => res.end('ok'));
		const { sender, warnings } = thread({ allowList: '' });
		const result = await sender.send(request(server.url('/blocked')));
		expect(result).toMatchObject({ status: null, errorCode: 'ESSRF' });
		expect(result.error).toContain('loopback');
		expect(server.received).toEqual([]);
		// Refused by the thread, not by the main-thread fallback.
		expect(warnings).toEqual([]);
	});

	it('fails the sends of a thread that dies, and starts a new one for the next send', async () => {
		const server = await startServer((req, res) => {
			if (req.url !== '/hang') res.end('ok');
		});
		const { sender, warnings } = thread();
		expect((await sender.send(request(server.url('/first')))).status).toBe(200);
		const hanging = sender.send(request(server.url('/hang')));
		await expect.poll(() => server.received.includes('/hang')).toBe(true);
		// As if the thread crashed mid-send.
		await (sender as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
		expect(await hanging).toMatchObject({ status: null, errorCode: THREAD_ERROR_CODE });
		expect((await sender.send(request(server.url('/after')))).status).toBe(200);
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toContain('1 sends in flight will be retried');
	});

	it.each([
		['a file that does not load', fileURLToPath(new URL('./no-such-entry.js', import.meta.url))],
		['a path Worker refuses at once', 'not-absolute.js'],
	])('sends on the main thread when the thread cannot start (%s), losing nothing', async (_case, entry) => {
		const server = await startServer((_req, res) => res.end('ok'));
		const { sender, warnings } = thread({ entry });
		const results = await Promise.all([sender.send(request(server.url('/a'))), sender.send(request(server.url('/b')))]);
		expect(results.map((result) => result.status)).toEqual([200, 200]);
		expect((await sender.send(request(server.url('/c')))).status).toBe(200);
		expect(server.received.sort()).toEqual(['/a', '/b', '/c']);
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toContain('could not start');
	});

	it('refuses a bad allow-list entry when created, not later in the thread', () => {
		expect(() => new SendThread({ guard: { allowList: 'not a host!' } }, { warn: () => undefined }, SOURCE)).toThrow(/WEBHOOKS_IP_ALLOW_LIST/);
	});

	it('answers sends after close() with a failure instead of hanging, also after a fallback', async () => {
		const { sender } = thread();
		sender.close();
		expect(await sender.send(request('http://127.0.0.1:9/'))).toMatchObject({ status: null, errorCode: THREAD_ERROR_CODE });
		const server = await startServer((_req, res) => res.end('ok'));
		const fellBack = thread({ entry: 'not-absolute.js' }).sender;
		expect((await fellBack.send(request(server.url('/before')))).status).toBe(200);
		fellBack.close();
		expect(await fellBack.send(request(server.url('/after')))).toMatchObject({ status: null, errorCode: THREAD_ERROR_CODE });
		expect(server.received).toEqual(['/before']);
	});
});
