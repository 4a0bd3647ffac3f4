// A real local HTTP receiver for webhook deliveries: records every request and answers
// with whatever the test sets (status, delay, headers); and checks a request's signature as a
// receiver would, with the standardwebhooks library.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';

export interface ReceivedRequest {
	method: string;
	path: string;
	headers: IncomingHttpHeaders;
	body: string;
	at: number;
}

export interface Reply {
	status?: number;
	headers?: Record<string, string>;
	body?: string;
	delayMs?: number;
}

export type Responder = (request: ReceivedRequest) => Reply | Promise<Reply>;

export class Receiver {
	readonly requests: ReceivedRequest[] = [];
	connections = 0;
	private responder: Responder = () => ({ status: 200, body: 'ok' });
	private readonly server: Server;
	private readonly host: string;
	private waiters: { count: number; resolve: () => void }[] = [];

	private constructor(server: Server, host: string) {
		this.server = server;
		this.host = host;
	}

	/** Listens on `host` (127.0.0.1 unless given; '::' means every local address, IPv4 and IPv6). */
	static async start(port = 0, host = '127.0.0.1'): Promise<Receiver> {
		const server = createServer({ keepAliveTimeout: 30_000 });
		const receiver = new Receiver(server, host);
		server.on('connection', () => receiver.connections++);
		server.on('request', (req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', async () => {
				const request: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
				receiver.requests.push(request);
				receiver.notify();
				const reply = await receiver.responder(request);
				if (reply.delayMs) await new Promise((wait) => setTimeout(wait, reply.delayMs));
				res.writeHead(reply.status ?? 200, reply.headers ?? {});
				res.end(reply.body ?? '');
			});
		});
		await new Promise<void>((listening, failed) => {
			server.once('error', failed);
			server.listen(port, host, () => (server.off('error', failed), listening()));
		});
		return receiver;
	}

	get port(): number {
		return (this.server.address() as AddressInfo).port;
	}

	url(path = '/hook'): string {
		return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}${path}`;
	}

	respond(responder: Responder): void {
		this.responder = responder;
	}

	/** Resolves once at least `count` requests arrived in total. */
	waitFor(count: number, timeoutMs = 30_000): Promise<void> {
		if (this.requests.length >= count) return Promise.resolve();
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`receiver got ${this.requests.length} of ${count} requests within ${timeoutMs} ms`)), timeoutMs);
			this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
		});
	}

	private notify(): void {
		const ready = this.waiters.filter((waiter) => this.requests.length >= waiter.count);
		this.waiters = this.waiters.filter((waiter) => this.requests.length < waiter.count);
		for (const waiter of ready) waiter.resolve();
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((closed) => this.server.close(() => closed()));
	}
}

/** The body of a request signed with `secret` per Standard Webhooks; throws if the signature does not hold. */
export function verifyStandard(secret: string, request: ReceivedRequest): unknown {
	return new StandardWebhook(secret).verify(request.body, {
		'webhook-id': String(request.headers['webhook-id']),
		'webhook-timestamp': String(request.headers['webhook-timestamp']),
		'webhook-signature': String(request.headers['webhook-signature']),
	});
}
