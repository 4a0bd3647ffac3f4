// Sends one webhook HTTP request over pooled keep-alive connections. Every outcome, failures
// included, comes back as a SendResult rather than a thrown error, so the dispatcher can
// record it as an attempt. Redirects are never followed: a receiver must not be able to
// bounce a signed delivery to another address.
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { SsrfError } from './ssrf-guard';
import type { SsrfGuard } from './ssrf-guard';

export interface SendRequest {
	url: string | URL;
	method: string;
	headers?: Record<string, string>;
	body?: string | Uint8Array | null;
	/** Total budget: waiting for a socket, connecting, sending and reading the response. */
	timeoutMs: number;
	maxResponseBytes?: number;
}

export interface SendResult {
	/** Set once response headers arrived, even if reading the body then failed (see error). */
	status: number | null;
	headers: Record<string, string>;
	/** At most maxResponseBytes of the body, cut at a character boundary. */
	body: string;
	durationMs: number;
	error: string | null;
	errorCode: string | null;
}

/** What the dispatcher sends through: HttpSender here, or SendThread for another thread. */
export interface Sender {
	send(request: SendRequest): Promise<SendResult>;
	/** Closes pooled connections; sends still in flight fail. */
	close(): void;
}

export interface HttpSenderOptions {
	guard: SsrfGuard;
	/** Per origin, per protocol; Node's default (unlimited) when absent. */
	maxSockets?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
// Past the kept part, a response is read and discarded so its socket can be reused, but an
// endless or huge body is not worth a connection: beyond this much we close it instead.
const MAX_DRAIN_BYTES = 1024 * 1024;
// Header values this short cannot be secrets worth hiding, and redacting them would
// mangle ordinary words in error messages.
const MIN_REDACTED_LENGTH = 4;

export class HttpSender implements Sender {
	private readonly guard: SsrfGuard;
	private readonly httpAgent: http.Agent;
	private readonly httpsAgent: https.Agent;

	constructor(options: HttpSenderOptions) {
		this.guard = options.guard;
		const agentOptions = { keepAlive: true, lookup: options.guard.lookup, ...(options.maxSockets ? { maxSockets: options.maxSockets } : {}) };
		this.httpAgent = new http.Agent(agentOptions);
		this.httpsAgent = new https.Agent(agentOptions);
	}

	async send(request: SendRequest): Promise<SendResult> {
		const { timeoutMs, maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES } = request;
		if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
		if (!(maxResponseBytes >= 0)) throw new RangeError(`maxResponseBytes must be zero or more, got ${maxResponseBytes}`);
		const startedAt = performance.now();
		const failed = (error: string, errorCode: string): SendResult => ({
			status: null,
			headers: {},
			body: '',
			durationMs: performance.now() - startedAt,
			error,
			errorCode,
		});

		let url: URL;
		try {
			url = typeof request.url === 'string' ? new URL(request.url) : request.url;
		} catch {
			return failed('invalid URL', 'EINVALIDURL');
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:') {
			return failed(`unsupported protocol ${url.protocol} (only http: and https: are allowed)`, 'EPROTOCOL');
		}
		// IP literals never reach the agent's lookup, so they are checked before anything is sent.
		try {
			this.guard.assertUrl(url);
		} catch (error) {
			if (error instanceof SsrfError) return failed(error.message, error.code);
			throw error;
		}
		const headers = request.headers ?? {};
		const invalid = invalidHeader(headers);
		if (invalid) return failed(invalid, 'EINVALIDHEADER');

		return new Promise<SendResult>((resolve) => {
			let settled = false;
			let status: number | null = null;
			let responseHeaders: Record<string, string> = {};
			const kept: Buffer[] = [];
			let keptBytes = 0;
			let droppedBytes = 0;

			const settle = (error: string | null, errorCode: string | null) => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				resolve({
					status,
					headers: responseHeaders,
					body: decodeBody(kept, droppedBytes > 0),
					durationMs: performance.now() - startedAt,
					error: error === null ? null : redact(error, headers),
					errorCode,
				});
			};

			const client = url.protocol === 'https:' ? https : http;
			let req: http.ClientRequest;
			try {
				req = client.request(url, {
					method: request.method,
					headers,
					agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
				});
			} catch (error) {
				// Bad options (an invalid method, say) throw before anything is sent.
				const { code, message } = error as NodeJS.ErrnoException;
				resolve(failed(redact(message, headers), code ?? 'EREQUEST'));
				return;
			}

			const timer = setTimeout(() => {
				settle(`timeout after ${timeoutMs}ms`, 'ETIMEDOUT');
				// Destroying drops the socket instead of returning a half-used one to the pool.
				req.destroy();
			}, timeoutMs);

			req.on('error', (error: NodeJS.ErrnoException) => settle(describeError(error), error.code ?? 'EREQUEST'));
			req.on('response', (res) => {
				status = res.statusCode ?? null;
				responseHeaders = flattenHeaders(res.headers);
				res.on('data', (chunk: Buffer) => {
					const room = maxResponseBytes - keptBytes;
					if (room > 0) {
						const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
						kept.push(part);
						keptBytes += part.length;
						droppedBytes += chunk.length - part.length;
					} else {
						droppedBytes += chunk.length;
					}
					if (droppedBytes > MAX_DRAIN_BYTES) {
						settle(null, null);
						res.destroy();
					}
				});
				// Reading to the end is what lets the agent put the socket back in its pool.
				res.on('end', () => settle(null, null));
				res.on('error', (error: NodeJS.ErrnoException) => settle(describeError(error), error.code ?? 'ECONNRESET'));
				res.on('close', () => {
					if (!res.complete) settle('the connection closed before the response ended', 'ECONNRESET');
				});
			});

			req.end(request.body ?? undefined);
		});
	}

	/** Closes pooled sockets; sends still in flight fail. */
	close(): void {
		this.httpAgent.destroy();
		this.httpsAgent.destroy();
	}
}

function decodeBody(chunks: Buffer[], truncated: boolean): string {
	const decoder = new StringDecoder('utf8');
	const text = decoder.write(Buffer.concat(chunks));
	// A cut body may end inside a character: drop that fragment rather than show U+FFFD.
	return truncated ? text : text + decoder.end();
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
	const flat: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
	}
	return flat;
}

// Node's own messages for bad headers quote the value, so headers are checked here first.
function invalidHeader(headers: Record<string, string>): string | null {
	for (const [name, value] of Object.entries(headers)) {
		try {
			http.validateHeaderName(name);
		} catch {
			return `invalid header name ${JSON.stringify(name)}`;
		}
		try {
			http.validateHeaderValue(name, value);
		} catch {
			return `invalid value for header ${JSON.stringify(name)}`;
		}
	}
	return null;
}

function describeError(error: NodeJS.ErrnoException): string {
	if (error instanceof SsrfError) return error.message;
	if (error.code === 'ECONNRESET' && error.message === 'socket hang up') return 'socket hang up: the receiver closed the connection without answering';
	return error.message || error.code || 'request failed';
}

// Defence in depth: no message may echo a header value, which can carry a secret.
function redact(message: string, headers: Record<string, string>): string {
	let result = message;
	for (const value of Object.values(headers)) {
		if (value.length >= MIN_REDACTED_LENGTH) result = result.split(value).join('[redacted]');
	}
	return result;
}
