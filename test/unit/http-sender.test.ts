import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpSender, type SendResult } from '../../extensions/src/api/outbound/transport/http-sender';
import { SsrfGuard } from '../../extensions/src/api/outbound/transport/ssrf-guard';
import type { Resolver } from '../../extensions/src/api/outbound/transport/ssrf-guard';

interface Received {
	method: string;
	url: string;
	headers: http.IncomingHttpHeaders;
	body: string;
}

interface TestServer {
	port: number;
	url: (path?: string) => string;
	/** Connections ever accepted. */
	connections: number;
	openSockets: Set<Socket>;
	requests: Received[];
	close: () => Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
	vi.useRealTimers();
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<TestServer> {
	const server = http.createServer();
	const state: TestServer = {
		port: 0,
		url: (path = '/') => `http://127.0.0.1:${state.port}${path}`,
		connections: 0,
		openSockets: new Set(),
		requests: [],
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
	server.on('connection', (socket: Socket) => {
		state.connections++;
		state.openSockets.add(socket);
		socket.on('close', () => state.openSockets.delete(socket));
	});
	server.on('request', (req: IncomingMessage, res: ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
			handler(req, res, body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	state.port = (server.address() as AddressInfo).port;
	cleanups.push(() => state.close());
	return state;
}

function senderWith(options: ConstructorParameters<typeof SsrfGuard>[0] = {}): HttpSender {
	const sender = new HttpSender({ guard: new SsrfGuard(options) });
	cleanups.push(() => sender.close());
	return sender;
}

const ok = (_req: IncomingMessage, res: ServerResponse) => res.end('ok');
const resolveTo =
	(table: Record<string, string>): Resolver =>
	(hostname, _options, callback) =>
		table[hostname] ? callback(null, [{ address: table[hostname], family: 4 }]) : callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);

describe('HttpSender', () => {
	it('sends to an allow-listed address and returns the response', async () => {
		const server = await startServer((_req, res, body) => {
			res.writeHead(201, { 'content-type': 'application/json', 'x-echo-length': String(body.length) });
			res.end(JSON.stringify({ got: JSON.parse(body) }));
		});
		const sender = senderWith({ allowList: '127.0.0.1' });
		const body = JSON.stringify({ event: 'items.create', emoji: '✓' });
		const before = performance.now();
		const result = await sender.send({
			url: server.url('/hooks?x=1'),
			method: 'POST',
			headers: { 'content-type': 'application/json', 'webhook-signature': 'v1,abc' },
			body,
			timeoutMs: 2000,
		});
		expect(result).toMatchObject({ status: 201, error: null, errorCode: null, body: JSON.stringify({ got: JSON.parse(body) }) });
		expect(result.headers['content-type']).toBe('application/json');
		expect(result.headers['x-echo-length']).toBe(String(body.length));
		expect(result.durationMs).toBeGreaterThanOrEqual(0);
		expect(result.durationMs).toBeLessThanOrEqual(performance.now() - before);
		expect(server.requests).toHaveLength(1);
		expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/hooks?x=1', body });
		expect(server.requests[0].headers['webhook-signature']).toBe('v1,abc');
		expect(server.requests[0].headers['content-length']).toBe(String(Buffer.byteLength(body)));
	});

	it('accepts a URL object and a Buffer body', async () => {
		const server = await startServer((_req, res, body) => res.end(`echo:${body}`));
		const sender = senderWith({ allowList: '127.0.0.1' });
		const result = await sender.send({ url: new URL(server.url()), method: 'PUT', body: Buffer.from('bytes'), timeoutMs: 2000 });
		expect(result).toMatchObject({ status: 200, body: 'echo:bytes', error: null });
		expect(server.requests[0].method).toBe('PUT');
	});

	it('refuses 127.0.0.1 without the allow list, before connecting', async () => {
		const server = await startServer(ok);
		const result = await senderWith().send({ url: server.url(), method: 'POST', body: '{}', timeoutMs: 2000 });
		expect(result).toMatchObject({
			status: null,
			errorCode: 'ESSRF',
			error: 'refused: 127.0.0.1 is a loopback address (add it to WEBHOOKS_IP_ALLOW_LIST to allow)',
			body: '',
		});
		expect(server.connections).toBe(0);
		expect(server.requests).toHaveLength(0);
	});

	it('refuses localhost through the lookup, before connecting', async () => {
		const server = await startServer(ok);
		const result = await senderWith().send({ url: `http://localhost:${server.port}/`, method: 'POST', body: '{}', timeoutMs: 2000 });
		expect(result.errorCode).toBe('ESSRF');
		// Only the lookup knows the requested name; assertUrl would not have named it.
		expect(result.error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), which is a loopback address/);
		expect(server.connections).toBe(0);
	});

	it('refuses localhost over https through the https agent lookup', async () => {
		const server = await startServer(ok);
		const result = await senderWith().send({ url: `https://localhost:${server.port}/`, method: 'POST', timeoutMs: 2000 });
		expect(result.errorCode).toBe('ESSRF');
		expect(result.error).toContain('localhost resolves to');
		expect(server.connections).toBe(0);
	});

	it('refuses IP literals over https', async () => {
		const server = await startServer(ok);
		const result = await senderWith().send({ url: `https://127.0.0.1:${server.port}/`, method: 'POST', timeoutMs: 2000 });
		expect(result.errorCode).toBe('ESSRF');
		expect(server.connections).toBe(0);
	});

	it.each(['http://[::1]:PORT/', 'http://[::ffff:127.0.0.1]:PORT/', 'http://[::ffff:7f00:1]:PORT/', 'http://[64:ff9b::7f00:1]:PORT/', 'http://2130706433:PORT/'])(
		'refuses the literal %s',
		async (template) => {
			const server = await startServer(ok);
			const result = await senderWith().send({ url: template.replace('PORT', String(server.port)), method: 'POST', timeoutMs: 2000 });
			expect(result.errorCode).toBe('ESSRF');
			expect(result.error).toMatch(/^refused: /);
			expect(server.connections).toBe(0);
		},
	);

	it('refuses [::1] even when 127.0.0.1 is allow-listed', async () => {
		const result = await senderWith({ allowList: '127.0.0.1' }).send({ url: 'http://[::1]:9/', method: 'POST', timeoutMs: 2000 });
		expect(result).toMatchObject({ errorCode: 'ESSRF', error: 'refused: ::1 is a loopback address (add it to WEBHOOKS_IP_ALLOW_LIST to allow)' });
	});

	it('admits a host name allow entry whatever it resolves to', async () => {
		const server = await startServer(ok);
		const resolve = resolveTo({ 'hooks.test': '127.0.0.1' });
		const url = `http://hooks.test:${server.port}/`;

		const refused = await senderWith({ resolve }).send({ url, method: 'POST', timeoutMs: 2000 });
		expect(refused.errorCode).toBe('ESSRF');
		expect(refused.error).toContain('hooks.test resolves to 127.0.0.1');
		expect(server.connections).toBe(0);

		const allowed = await senderWith({ resolve, allowList: 'HOOKS.test' }).send({ url, method: 'POST', timeoutMs: 2000 });
		expect(allowed).toMatchObject({ status: 200, body: 'ok', error: null });
		expect(server.requests[0].headers.host).toBe(`hooks.test:${server.port}`);
	});

	it('returns a 3xx as is without following it', async () => {
		const server = await startServer((req, res) => {
			if (req.url === '/start') res.writeHead(302, { location: '/target' }).end('moved');
			else res.end('followed');
		});
		const result = await senderWith({ allowList: '127.0.0.1' }).send({ url: server.url('/start'), method: 'POST', body: '{}', timeoutMs: 2000 });
		expect(result).toMatchObject({ status: 302, body: 'moved', error: null, errorCode: null });
		expect(result.headers.location).toBe('/target');
		expect(server.requests.map((request) => request.url)).toEqual(['/start']);
	});

	it('times out when the receiver never answers', async () => {
		// Only the sender's timer is fake: the sockets and the server run as usual.
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		let arrived!: () => void;
		const received = new Promise<void>((resolve) => (arrived = resolve));
		const server = await startServer(() => arrived());
		let result: SendResult | undefined;
		void senderWith({ allowList: '127.0.0.1' })
			.send({ url: server.url(), method: 'POST', body: '{}', timeoutMs: 150 })
			.then((settled) => (result = settled));
		await received;
		await vi.advanceTimersByTimeAsync(149);
		expect(result).toBeUndefined();
		await vi.advanceTimersByTimeAsync(1);
		expect(result).toMatchObject({ status: null, error: 'timeout after 150ms', errorCode: 'ETIMEDOUT' });
		expect(server.requests).toHaveLength(1);
		// The half-used socket is dropped, not pooled.
		await vi.waitFor(() => expect(server.openSockets.size).toBe(0));
	});

	it('counts reading the body against the same timeout', async () => {
		const server = await startServer((_req, res) => {
			res.writeHead(200, { 'content-length': '100' });
			res.write('partial');
		});
		const result = await senderWith({ allowList: '127.0.0.1' }).send({ url: server.url(), method: 'POST', timeoutMs: 150 });
		expect(result).toMatchObject({ status: 200, body: 'partial', error: 'timeout after 150ms', errorCode: 'ETIMEDOUT' });
	});

	it('reports a refused connection with its code', async () => {
		const probe = await startServer(ok);
		const port = probe.port;
		await probe.close();
		const result = await senderWith({ allowList: '127.0.0.1' }).send({ url: `http://127.0.0.1:${port}/`, method: 'POST', timeoutMs: 2000 });
		expect(result).toMatchObject({ status: null, errorCode: 'ECONNREFUSED' });
		expect(result.error).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
	});

	it('reports a receiver that hangs up without answering', async () => {
		const server = await startServer((req) => req.socket.destroy());
		const result = await senderWith({ allowList: '127.0.0.1' }).send({ url: server.url(), method: 'POST', body: '{}', timeoutMs: 2000 });
		expect(result).toMatchObject({ status: null, errorCode: 'ECONNRESET' });
		expect(result.error).toContain('socket hang up');
	});

	it('reports a response cut off mid-body', async () => {
		const server = await startServer((_req, res) => {
			res.writeHead(200, { 'content-length': '100' });
			res.write('partial', () => res.socket?.end());
		});
		const result = await senderWith({ allowList: '127.0.0.1' }).send({ url: server.url(), method: 'POST', timeoutMs: 2000 });
		expect(result).toMatchObject({ status: 200, body: 'partial', errorCode: 'ECONNRESET' });
		expect(result.error).not.toBeNull();
	});

	it('truncates the response body to maxResponseBytes', async () => {
		const server = await startServer((_req, res) => res.end('a'.repeat(100_000)));
		const sender = senderWith({ allowList: '127.0.0.1' });
		const small = await sender.send({ url: server.url(), method: 'POST', timeoutMs: 2000, maxResponseBytes: 1000 });
		expect(small).toMatchObject({ status: 200, error: null });
		expect(small.body).toBe('a'.repeat(1000));
		const byDefault = await sender.send({ url: server.url(), method: 'POST', timeoutMs: 2000 });
		expect(byDefault.body).toHaveLength(64 * 1024);
		const none = await sender.send({ url: server.url(), method: 'POST', timeoutMs: 2000, maxResponseBytes: 0 });
		expect(none).toMatchObject({ status: 200, body: '', error: null });
	});

	it('cuts a truncated body at a character boundary', async () => {
		const server = await startServer((_req, res) => res.end('é'.repeat(1000)));
		const result = await senderWith({ allowList: '127.0.0.1' }).send({ url: server.url(), method: 'POST', timeoutMs: 2000, maxResponseBytes: 1001 });
		expect(result.body).toBe('é'.repeat(500));
	});

	it('keeps an untruncated body intact, invalid UTF-8 included', async () => {
		const server = await startServer((_req, res) => res.end(Buffer.from([0x68, 0x69, 0xc3])));
		const result = await senderWith({ allowList: '127.0.0.1' }).send({ url: server.url(), method: 'POST', timeoutMs: 2000 });
		expect(result.body).toBe('hi\uFFFD');
	});

	it('reuses one keep-alive connection across sends, even after truncating', async () => {
		const server = await startServer((_req, res) => res.end('b'.repeat(200_000)));
		const sender = senderWith({ allowList: '127.0.0.1' });
		for (let i = 0; i < 3; i++) {
			const result = await sender.send({ url: server.url(), method: 'POST', body: '{}', timeoutMs: 2000, maxResponseBytes: 10 });
			expect(result).toMatchObject({ status: 200, body: 'b'.repeat(10), error: null });
		}
		expect(server.requests).toHaveLength(3);
		expect(server.connections).toBe(1);
	});

	it('gives up draining a huge body and closes that connection instead', async () => {
		const server = await startServer((_req, res) => res.end(Buffer.alloc(3 * 1024 * 1024, 0x63)));
		const sender = senderWith({ allowList: '127.0.0.1' });
		const first = await sender.send({ url: server.url(), method: 'POST', timeoutMs: 5000, maxResponseBytes: 10 });
		expect(first).toMatchObject({ status: 200, body: 'c'.repeat(10), error: null });
		await sender.send({ url: server.url(), method: 'POST', timeoutMs: 5000, maxResponseBytes: 10 });
		expect(server.connections).toBe(2);
	});

	it('closes pooled sockets on close()', async () => {
		const server = await startServer(ok);
		const sender = senderWith({ allowList: '127.0.0.1' });
		await sender.send({ url: server.url(), method: 'POST', timeoutMs: 2000 });
		expect(server.openSockets.size).toBe(1);
		sender.close();
		await vi.waitFor(() => expect(server.openSockets.size).toBe(0));
	});

	it.each([
		['ftp://127.0.0.1/', 'EPROTOCOL', 'unsupported protocol ftp:'],
		['file:///etc/passwd', 'EPROTOCOL', 'unsupported protocol file:'],
		['not a url', 'EINVALIDURL', 'invalid URL'],
	])('rejects %s', async (url, code, message) => {
		const result = await senderWith({ allowList: '127.0.0.1' }).send({ url, method: 'POST', timeoutMs: 2000 });
		expect(result).toMatchObject({ status: null, errorCode: code });
		expect(result.error).toContain(message);
	});

	it('never puts header values in error messages', async () => {
		const server = await startServer(ok);
		const sender = senderWith({ allowList: '127.0.0.1' });
		const badValue = await sender.send({ url: server.url(), method: 'POST', headers: { authorization: 'Bearer sk_live_secret\r\nx: y' }, timeoutMs: 2000 });
		expect(badValue).toMatchObject({ errorCode: 'EINVALIDHEADER', error: 'invalid value for header "authorization"' });
		const badName = await sender.send({ url: server.url(), method: 'POST', headers: { 'bad name': 'sk_live_secret' }, timeoutMs: 2000 });
		expect(badName).toMatchObject({ errorCode: 'EINVALIDHEADER', error: 'invalid header name "bad name"' });
		expect(server.connections).toBe(0);
	});

	it('reports bad request options as a result instead of throwing', async () => {
		const server = await startServer(ok);
		const result = await senderWith({ allowList: '127.0.0.1' }).send({ url: server.url(), method: 'BAD METHOD', timeoutMs: 2000 });
		expect(result).toMatchObject({ status: null, errorCode: 'ERR_INVALID_HTTP_TOKEN' });
		expect(server.connections).toBe(0);
	});

	it('rejects a timeout that is not a positive number', async () => {
		await expect(senderWith().send({ url: 'http://127.0.0.1/', method: 'POST', timeoutMs: 0 })).rejects.toThrow(RangeError);
		await expect(senderWith().send({ url: 'http://127.0.0.1/', method: 'POST', timeoutMs: Number.NaN })).rejects.toThrow(RangeError);
	});
});
