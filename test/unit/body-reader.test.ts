import { Buffer } from 'node:buffer';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BodyBudget } from '../../extensions/src/api/inbound/http/body-budget';
import { readBody, type BodyResult } from '../../extensions/src/api/inbound/http/body-reader';

/** A stream standing in for a request, with the headers readBody looks at. */
function fakeRequest(headers: Record<string, string> = {}): PassThrough & IncomingMessage {
	return Object.assign(new PassThrough(), { headers }) as unknown as PassThrough & IncomingMessage;
}

afterEach(() => {
	vi.useRealTimers();
});

describe('readBody: the global byte budget', () => {
	it('is busy at once when the declared length does not fit what others hold, reading nothing', async () => {
		const budget = new BodyBudget(100);
		expect(budget.hold().growTo(60)).toBe(true);
		const stream = fakeRequest({ 'content-length': '50' });
		expect(await readBody(stream, 1000, 1000, budget.hold())).toEqual({ ok: false, reason: 'busy' });
		expect(stream.listenerCount('data')).toBe(0);
		expect(budget.held).toBe(60);
	});

	it('holds a streamed body as it arrives and is busy once it would pass the budget', async () => {
		const budget = new BodyBudget(10);
		const hold = budget.hold();
		const stream = fakeRequest();
		const pending = readBody(stream, 1000, 1000, hold);
		// Listeners run in order: readBody's has seen the chunk when this one does.
		const seen = once(stream, 'data');
		stream.write(Buffer.alloc(6));
		await seen;
		expect(budget.held).toBe(6);
		stream.write(Buffer.alloc(5));
		expect(await pending).toEqual({ ok: false, reason: 'busy' });
		expect(stream.isPaused()).toBe(true);
		hold.release();
		expect(budget.held).toBe(0);
	});

	it('keeps the bytes of a body it returned held until the caller releases them', async () => {
		const budget = new BodyBudget(100);
		const hold = budget.hold();
		const stream = fakeRequest({ 'content-length': '8' });
		const pending = readBody(stream, 1000, 1000, hold);
		stream.end(Buffer.alloc(8));
		expect((await pending).ok).toBe(true);
		expect(budget.held).toBe(8);
		hold.release();
		expect(budget.held).toBe(0);
	});
});

describe('readBody: streams', () => {
	it('returns the body byte-exact across chunks', async () => {
		const stream = fakeRequest();
		const pending = readBody(stream, 1024, 1000);
		const parts = [Buffer.from([0xff, 0x00, 0xc3]), Buffer.from([0x28, 0x0a]), Buffer.from('tail é')];
		for (const part of parts) stream.write(part);
		stream.end();
		const result = await pending;
		expect(result.ok).toBe(true);
		expect((result as { body: Buffer }).body.equals(Buffer.concat(parts))).toBe(true);
	});

	it('returns an empty buffer for an empty body', async () => {
		const stream = fakeRequest({ 'content-length': '0' });
		const pending = readBody(stream, 10, 1000);
		stream.end();
		const result = await pending;
		expect(result.ok && result.body.length).toBe(0);
	});

	it('accepts a body of exactly the limit', async () => {
		const stream = fakeRequest({ 'content-length': '10' });
		const pending = readBody(stream, 10, 1000);
		stream.end(Buffer.alloc(10, 1));
		const result = await pending;
		expect(result.ok && result.body).toEqual(Buffer.alloc(10, 1));
	});

	it('refuses a declared length over the limit at once, without reading', async () => {
		const stream = fakeRequest({ 'content-length': '11' });
		expect(await readBody(stream, 10, 1000)).toEqual({ ok: false, reason: 'too_large' });
		expect(stream.listenerCount('data')).toBe(0);
	});

	it('refuses a streamed body once it passes the limit, and stops reading', async () => {
		const stream = fakeRequest();
		const pending = readBody(stream, 10, 1000);
		stream.write(Buffer.alloc(6));
		stream.write(Buffer.alloc(5));
		expect(await pending).toEqual({ ok: false, reason: 'too_large' });
		expect(stream.listenerCount('data')).toBe(0);
		expect(stream.listenerCount('end')).toBe(0);
		expect(stream.isPaused()).toBe(true);
	});

	it('refuses a body longer than its declared length', async () => {
		const stream = fakeRequest({ 'content-length': '4' });
		const pending = readBody(stream, 8, 1000);
		stream.end(Buffer.alloc(9));
		expect(await pending).toEqual({ ok: false, reason: 'too_large' });
	});

	it('gives up on a body that arrives too slowly, even while bytes keep coming', async () => {
		vi.useFakeTimers();
		const stream = fakeRequest({ 'content-length': '100' });
		let result: BodyResult | undefined;
		void readBody(stream, 1000, 50).then((settled) => (result = settled));
		stream.write('a little');
		await vi.advanceTimersByTimeAsync(49);
		stream.write('and more');
		await vi.advanceTimersByTimeAsync(0);
		expect(result).toBeUndefined();
		await vi.advanceTimersByTimeAsync(1);
		expect(result).toEqual({ ok: false, reason: 'timeout' });
		// Later data changes nothing.
		stream.end('rest');
		expect(stream.listenerCount('data')).toBe(0);
	});

	it('reports an aborted or failed request', async () => {
		const aborted = fakeRequest();
		const first = readBody(aborted, 100, 1000);
		aborted.write('part');
		aborted.emit('aborted');
		expect(await first).toEqual({ ok: false, reason: 'aborted' });

		const failed = fakeRequest();
		const second = readBody(failed, 100, 1000);
		failed.destroy(new Error('socket hang up'));
		expect(await second).toEqual({ ok: false, reason: 'aborted' });
	});

	it('settles once: an end after a refusal is ignored', async () => {
		const stream = fakeRequest();
		const pending = readBody(stream, 3, 1000);
		stream.write('12345');
		stream.end();
		expect(await pending).toEqual({ ok: false, reason: 'too_large' });
	});

	it('ignores a content-length that is not a number', async () => {
		const stream = fakeRequest({ 'content-length': 'lots' });
		const pending = readBody(stream, 10, 1000);
		stream.end('ok');
		expect(await pending).toEqual({ ok: true, body: Buffer.from('ok') });
	});
});

describe('readBody: over HTTP', () => {
	let server: Server;
	let port: number;
	const results: BodyResult[] = [];
	const LIMIT = 64;
	const TIMEOUT = 150;

	beforeAll(async () => {
		server = createServer((req, res) => {
			void readBody(req, LIMIT, TIMEOUT).then((result) => {
				results.push(result);
				res.writeHead(result.ok ? 200 : 400, { connection: 'close' });
				res.end(result.ok ? result.body : result.reason);
			});
		});
		server.listen(0, '127.0.0.1');
		await once(server, 'listening');
		port = (server.address() as AddressInfo).port;
	});

	afterAll(async () => {
		server.closeAllConnections();
		server.close();
		await once(server, 'close');
	});

	/** Sends a request, writing `chunks` (and ending it unless `end` is false), and returns the response. */
	async function send(headers: Record<string, string>, chunks: Buffer[], end = true): Promise<{ status: number; body: Buffer }> {
		const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers });
		let answered = false;
		const response = new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
			// Writes after the server has answered and closed may fail; that is expected.
			req.on('error', (error) => {
				if (!answered) reject(error);
			});
			req.on('response', (res) => {
				answered = true;
				const parts: Buffer[] = [];
				res.on('data', (part: Buffer) => parts.push(part));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
			});
		});
		req.flushHeaders();
		for (const chunk of chunks) {
			if (req.destroyed) break;
			req.write(chunk);
		}
		if (end && !req.destroyed) req.end();
		return response;
	}

	it('returns a normal body byte-exact', async () => {
		const body = Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x7b, 0x7d, 0xe2, 0x82, 0xac]);
		const response = await send({ 'content-length': String(body.length) }, [body.subarray(0, 4), body.subarray(4)]);
		expect(response.status).toBe(200);
		expect(response.body.equals(body)).toBe(true);
	});

	it('refuses a declared content-length over the limit before any body arrives', async () => {
		// Headers only: the body never comes, so an answer that waited for it would be the timeout.
		const response = await send({ 'content-length': String(LIMIT + 1) }, [], false);
		expect(response).toEqual({ status: 400, body: Buffer.from('too_large') });
	});

	it('refuses a chunked body once it passes the limit', async () => {
		const response = await send({ 'transfer-encoding': 'chunked' }, [Buffer.alloc(40), Buffer.alloc(40), Buffer.alloc(40)]);
		expect(response.body.toString()).toBe('too_large');
	});

	it('times out a body that stops coming, and answers the caller', async () => {
		const response = await send({ 'transfer-encoding': 'chunked' }, [Buffer.from('a')], false);
		expect(response.body.toString()).toBe('timeout');
	});
});
