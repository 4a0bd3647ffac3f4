// Serves inbound endpoints at INBOUND_PATH. Mounted before Directus's own middlewares (so the
// body is still unread and its exact bytes can be verified) and checks, in order: endpoint,
// status, caller address (the IP allow list, on req.ip), method, rate limit, header and query credentials, size and the global byte budget,
// signatures, expected data; then stores and answers. Provider handshakes (handshake.ts) are
// answered on the way, after their own checks, and never stored.
// Rate limits count per source address (req.ip, which follows IP_TRUST_PROXY): verified requests
// in the endpoint's bucket for that address, refused ones in a bucket of their own, so nobody's
// wrong keys use up the real sender's budget.
// Every refusal stores nothing; every 2xx means the row is committed.
import { Buffer } from 'node:buffer';
import type { NextFunction, Request, Response } from 'express';
import type { BodyBudget, BudgetHold } from './body-budget';
import { endpointUrl, type FailureKind } from '../../../shared/inbound-endpoint';
import { INBOUND_SECURITY_HEADERS } from '../../../shared/inbound-response';
import { keptAnswer, renderAnswer, type Answer } from './answer';
import { bodyHandshake, queryHandshake, type HandshakeAnswer } from './handshake';
import { requestedUrl } from './public-url';
import { parseQueryString } from './body-parser';
import { readBody } from './body-reader';
import { unexpired } from '../config/endpoint-secrets';
import type { EndpointRegistry, RegisteredEndpoint } from '../config/endpoint-registry';
import type { Logger } from '../../lib/logger';
import type { InboundMetrics } from '../../metrics/metrics';
import type { RefusedLog } from '../refusals/refused-log';
import { unmetExpectations } from './expectations';
import type { RateDecision, RateLimiter } from './rate-limiter';
import { FlowRejection, type Recorded, type RequestRecorder } from '../storage/request-recorder';
import { storedRequest } from '../storage/stored-request';
import { VERIFIERS, type Verdict, type VerifierServices } from '../verifiers';
import { notConfigured } from '../verifiers/verdict';

export interface InboundHandlerOptions {
	registry: EndpointRegistry;
	recorder: RequestRecorder;
	limiter: RateLimiter;
	/** Bytes of bodies held at once across all endpoints. */
	budget: BodyBudget;
	bodyTimeoutMs: number;
	publicUrl: string | undefined;
	logger: Pick<Logger, 'debug' | 'error'>;
	metrics?: InboundMetrics;
	/** What verifiers may need besides the request (JWKS keys for jwt). */
	verifierServices?: VerifierServices;
	refusals?: RefusedLog;
}

interface Refusal {
	status: number;
	code: string;
	message: string;
	headers?: Record<string, string>;
	reasons?: string[];
	/** Close the connection: the rest of the body is not read. */
	close?: boolean;
}

// Providers retry on 503; an admin pausing an endpoint should not lose their events.
const PAUSED_RETRY_AFTER_SECONDS = '300';
// Bodies in flight finish within WEBHOOKS_INBOUND_BODY_TIMEOUT: a few seconds frees room.
const BUSY_RETRY_AFTER_SECONDS = '5';
// Presets whose credentials are in the headers or the query, not computed over the body.
const HEADER_CREDENTIALS = new Set(['api_key', 'basic', 'jwt']);
const NO_BODY = Buffer.alloc(0);
const CODES: Record<FailureKind, string> = {
	auth: 'INVALID_CREDENTIALS',
	validation: 'UNPROCESSABLE_CONTENT',
	too_large: 'CONTENT_TOO_LARGE',
	method: 'METHOD_NOT_ALLOWED',
	rate_limited: 'REQUESTS_EXCEEDED',
	rejected: 'REJECTED',
};

export class InboundHandler {
	private readonly options: InboundHandlerOptions;

	constructor(options: InboundHandlerOptions) {
		this.options = options;
	}

	/** Express middleware for `app.use(INBOUND_PATH, ...)`. */
	readonly middleware = (req: Request, res: Response, _next: NextFunction): void => {
		this.handle(req, res).catch((error) => {
			// The database could not take the request: ask the caller to retry rather than lose it.
			this.options.logger.error(error, '[webhooks] could not store an inbound request');
			if (!res.headersSent) this.send(res, { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'The request could not be stored; retry later', headers: { 'retry-after': '30' } });
			else res.destroy();
		});
	};

	private async handle(req: Request, res: Response): Promise<void> {
		const suffix = suffixOf(req.path);
		// An endpoint written just before this request (its answer already sent) is being loaded.
		const reloading = this.options.registry.reloading();
		if (reloading) await reloading;
		const endpoint = suffix === null ? undefined : this.options.registry.find(suffix);
		if (endpoint === undefined) return this.send(res, { status: 404, code: 'ROUTE_NOT_FOUND', message: 'No incoming endpoint at this URL', close: true });
		if (!endpoint.active) {
			return this.sendRefused(res, endpoint, 'paused', { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'This endpoint is paused', headers: { 'retry-after': PAUSED_RETRY_AFTER_SECONDS }, close: true });
		}
		// Before anything else, handshakes included: an address outside the list learns nothing more.
		if (endpoint.ipAllowList !== null && !endpoint.ipAllowList.allows(req.ip)) {
			return this.refuse(res, endpoint, 'auth', { message: 'This address may not call this endpoint', close: true });
		}
		const method = req.method.toUpperCase();
		const headers = singleValued(req.headers);
		const query = parseQueryString(queryOf(req.originalUrl ?? req.url));
		const request = { method, headers, query: query as Record<string, string | string[]>, rawBody: NO_BODY, url: requestedUrl(req, this.options.publicUrl) };
		// A provider's subscription handshake passes whatever methods the endpoint lists for its events.
		const handshake = queryHandshake(endpoint.auth, request, endpoint.verifyToken);
		if (handshake === null && !(endpoint.methods as string[]).includes(method)) {
			const allow = endpoint.methods.join(', ');
			return this.refuse(res, endpoint, 'method', { message: `Method ${method} is not allowed here; use ${allow}`, headers: { allow }, close: true });
		}
		const rate = rateOf(endpoint, req);
		if (rate !== null) {
			const decision = this.options.limiter.peek(rate.verifiedBucket, rate.limit);
			if (!decision.ok) return this.rateLimited(res, endpoint, decision);
		}
		if (handshake !== null) {
			if (!handshake.ok) return this.refuseUnverified(res, endpoint, handshake, true, rate);
			return this.handshake(res, endpoint, handshake.answer, true);
		}
		// A key or password in a header or the query is checked before the body is read: a wrong one
		// costs nothing but the headers (the connection closes on the unread body).
		const early = HEADER_CREDENTIALS.has(endpoint.auth) ? await this.verify(endpoint, request) : null;
		if (early !== null && !early.ok) return this.refuseUnverified(res, endpoint, early, true, rate);
		// A body that would be checked against a signature is not read for an address whose refusals are used up.
		if (rate !== null && early === null && endpoint.auth !== 'none') {
			const decision = this.options.limiter.peek(rate.refusedBucket, rate.limit);
			if (!decision.ok) return this.rateLimited(res, endpoint, decision);
		}
		const hold = this.options.budget.hold();
		try {
			await this.receive(req, res, endpoint, request, early, hold, rate);
		} catch (error) {
			this.options.metrics?.inbound(endpoint.id, 'error');
			throw error;
		} finally {
			hold.release();
		}
	}

	/** From reading the body to the answer, holding the body's bytes in the budget. */
	private async receive(
		req: Request,
		res: Response,
		endpoint: RegisteredEndpoint,
		request: { method: string; headers: Record<string, string | undefined>; query: Record<string, string | string[]>; rawBody: Buffer; url: string },
		early: Verdict | null,
		hold: BudgetHold,
		rate: Rate | null,
	): Promise<void> {
		const { method, headers } = request;
		const query = request.query as ReturnType<typeof parseQueryString>;
		// More than the whole budget could never be taken: that is "too large", not "retry later".
		const maxBytes = Math.min(endpoint.maxBodyBytes, this.options.budget.max);
		const read = await readBody(req, maxBytes, this.options.bodyTimeoutMs, hold);
		if (!read.ok) {
			if (read.reason === 'too_large') return this.refuse(res, endpoint, 'too_large', { message: `The body is larger than ${maxBytes} bytes`, close: true });
			if (read.reason === 'timeout') return this.sendRefused(res, endpoint, 'timeout', { status: 408, code: 'REQUEST_TIMEOUT', message: 'The body did not arrive in time', close: true });
			if (read.reason === 'busy') {
				return this.sendRefused(res, endpoint, 'busy', { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'Too many request bodies are being received at once; retry later', headers: { 'retry-after': BUSY_RETRY_AFTER_SECONDS }, close: true });
			}
			res.destroy();
			return;
		}
		const verdict = early ?? (await this.verify(endpoint, { ...request, rawBody: read.body }));
		if (!verdict.ok) return this.refuseUnverified(res, endpoint, verdict, false, rate);
		if (rate !== null) {
			const decision = this.options.limiter.take(rate.verifiedBucket, rate.limit);
			if (!decision.ok) return this.rateLimited(res, endpoint, decision);
		}
		const handshake = bodyHandshake(endpoint.auth, { ...request, rawBody: read.body }, unexpired(endpoint.secrets, Date.now()));
		if (handshake !== null) return this.handshake(res, endpoint, handshake, false);
		const dedupe = endpoint.dedupeHeader === null ? null : headers[endpoint.dedupeHeader] ?? null;
		const stored = storedRequest({
			endpointId: endpoint.id,
			method,
			path: pathOf(req.originalUrl ?? req.url),
			query,
			headers: req.headers,
			rawBody: read.body,
			ip: req.ip ?? null,
			verified: endpoint.auth !== 'none',
			// Graph's body holds the secret itself (clientState), and nothing signs it.
			keepRaw: !['none', 'api_key', 'basic', 'microsoft_graph'].includes(endpoint.auth),
			deliveryId: dedupe || verdict.deliveryId,
			mappings: endpoint.fieldMappings,
			receivedAt: new Date(),
			credentials: credentialsOf(endpoint),
			maxJsonDepth: this.options.recorder.maxJsonDepth,
		});
		if (endpoint.strict) {
			const reasons = unmetExpectations(endpoint, { headers, query, body: stored.request.body });
			if (reasons.length > 0) return this.refuse(res, endpoint, 'validation', { message: `The request does not match what this endpoint expects: ${reasons.join('; ')}`, reasons });
		}
		// Requests with a delivery id keep their answer, so a redelivery gets it again. Rendered before
		// the write (and kept in the same INSERT) unless the template shows the id the write assigns.
		const keep = stored.row.delivery_id !== null && endpoint.storesResponse;
		const context = { request: stored.request, item: stored.row, endpoint: this.describe(endpoint) };
		let answer = keep && !endpoint.responseReadsId ? renderAnswer(endpoint, context) : null;
		if (answer !== null) stored.row.response = answer;
		let recorded: Recorded;
		try {
			recorded = await this.options.recorder.record(endpoint, stored.row);
		} catch (error) {
			// The Flow's own words, in Directus's error shape; nothing was stored.
			if (error instanceof FlowRejection) return this.refuse(res, endpoint, 'rejected', { message: error.message });
			throw error;
		}
		if (recorded.duplicate) return this.answer(res, endpoint, this.replayAnswer(endpoint, recorded.item.response), true);
		// A blocking Flow may have changed the row: the answer shows it as stored.
		if (answer === null || recorded.readBack) {
			answer = renderAnswer(endpoint, { ...context, item: recorded.item });
			if (keep) await this.options.recorder.keepAnswer(endpoint, recorded.item.id, answer);
		}
		this.answer(res, endpoint, answer, false);
	}

	/**
	 * A duplicate's answer: the kept one, when `response` holds one (a mapping of that name holds the
	 * first sender's data instead). Without authentication anyone who learns a delivery id may
	 * replay it, so they get the status and headers only, not what the first sender was answered.
	 */
	private replayAnswer(endpoint: RegisteredEndpoint, kept: unknown): Answer {
		const answer = keptAnswer(endpoint, endpoint.storesResponse ? kept : null);
		return endpoint.auth === 'none' ? { ...answer, content_type: null, body: null } : answer;
	}

	private async verify(endpoint: RegisteredEndpoint, request: Parameters<typeof VERIFIERS.none.verify>[0]): Promise<Verdict> {
		if (endpoint.auth !== 'none' && !endpoint.secretsReadable) return notConfigured();
		// The endpoint's tolerance applies unless the generic preset sets its own.
		const config = { toleranceSeconds: endpoint.toleranceSeconds, ...endpoint.authConfig };
		const now = Date.now();
		return VERIFIERS[endpoint.auth].verify(request, config, unexpired(endpoint.secrets, now), now, this.options.verifierServices);
	}

	private describe(endpoint: RegisteredEndpoint) {
		return { id: endpoint.id, name: endpoint.name, suffix: endpoint.suffix, url: endpointUrl(this.options.publicUrl, endpoint.suffix) };
	}

	private answer(res: Response, endpoint: RegisteredEndpoint, answer: Answer, duplicate: boolean): void {
		this.options.metrics?.inbound(endpoint.id, duplicate ? 'duplicate' : 'stored');
		res.status(answer.status);
		for (const [name, value] of INBOUND_SECURITY_HEADERS) res.setHeader(name, value);
		for (const { header, value } of answer.headers) res.setHeader(header, value);
		// Tells a curious caller why nothing new happened; providers ignore it.
		if (duplicate) res.setHeader('x-webhook-duplicate', 'true');
		if (answer.body === null || answer.content_type === null) {
			res.end();
			return;
		}
		res.setHeader('content-type', answer.content_type);
		res.end(answer.body);
	}

	/** A provider handshake's answer: never stored; counted and logged apart from stored requests. */
	private handshake(res: Response, endpoint: RegisteredEndpoint, answer: HandshakeAnswer, bodyUnread: boolean): void {
		this.options.metrics?.inbound(endpoint.id, 'handshake');
		this.logCall(res, endpoint, 'handshake', 200, `${endpoint.auth} handshake answered`);
		res.status(200);
		for (const [name, value] of INBOUND_SECURITY_HEADERS) res.setHeader(name, value);
		res.setHeader('content-type', answer.contentType);
		res.setHeader('cache-control', 'no-store');
		if (bodyUnread) res.setHeader('connection', 'close');
		res.end(answer.body);
	}

	private rateLimited(res: Response, endpoint: RegisteredEndpoint, decision: Extract<RateDecision, { ok: false }>): void {
		this.refuse(res, endpoint, 'rate_limited', { message: 'Too many requests', headers: { 'retry-after': String(decision.retryAfterSeconds) }, close: true });
	}

	/** A refusal of credentials; with a rate limit it counts in the source's bucket of refusals. */
	private refuseUnverified(res: Response, endpoint: RegisteredEndpoint, verdict: Extract<Verdict, { ok: false }>, bodyUnread: boolean, rate: Rate | null): void {
		if (rate !== null) {
			const decision = this.options.limiter.take(rate.refusedBucket, rate.limit);
			if (!decision.ok) return this.rateLimited(res, endpoint, decision);
		}
		this.options.logger.debug({ endpoint: endpoint.id, reason: verdict.reason }, '[webhooks] inbound request refused');
		if (verdict.status === 403) return this.sendRefused(res, endpoint, 'auth', { status: 403, code: 'FORBIDDEN', message: verdict.reason, close: bodyUnread });
		return this.refuse(res, endpoint, 'auth', { message: verdict.reason, close: bodyUnread });
	}

	private refuse(res: Response, endpoint: RegisteredEndpoint, kind: FailureKind, refusal: Omit<Refusal, 'status' | 'code'>): void {
		this.sendRefused(res, endpoint, kind, { ...refusal, status: endpoint.failureStatuses[kind], code: CODES[kind] });
	}

	/** A known endpoint's refusal: counted, logged (never its body) and sent. */
	private sendRefused(res: Response, endpoint: RegisteredEndpoint, kind: string, refusal: Refusal): void {
		this.options.metrics?.inbound(endpoint.id, 'refused', kind);
		this.logCall(res, endpoint, kind, refusal.status, refusal.message);
		this.send(res, refusal);
	}

	/** An entry of the refused-request log (refusals and handshakes), never the body. */
	private logCall(res: Response, endpoint: RegisteredEndpoint, kind: string, status: number, reason: string): void {
		const { req } = res;
		const declared = Number(req.headers['content-length']);
		this.options.refusals?.add({
			endpoint: endpoint.id,
			kind,
			status,
			reason,
			ip: req.ip ?? null,
			method: req.method,
			bytes: Number.isSafeInteger(declared) ? declared : null,
			headers: req.headers,
			secretHeaders: credentialsOf(endpoint).headers,
		});
	}

	private send(res: Response, refusal: Refusal): void {
		const extensions: Record<string, unknown> = { code: refusal.code };
		if (refusal.reasons) extensions.reasons = refusal.reasons;
		res.status(refusal.status);
		for (const [name, value] of INBOUND_SECURITY_HEADERS) res.setHeader(name, value);
		for (const [name, value] of Object.entries(refusal.headers ?? {})) res.setHeader(name, value);
		if (refusal.close) res.setHeader('connection', 'close');
		res.json({ errors: [{ message: refusal.message, extensions }] });
	}
}

/** An endpoint's rate limit and the buckets of the request's source address, or null without a limit. */
interface Rate {
	limit: number;
	verifiedBucket: string;
	refusedBucket: string;
}

function rateOf(endpoint: RegisteredEndpoint, req: Request): Rate | null {
	if (endpoint.rateLimitPerMinute === null) return null;
	const source = req.ip ?? req.socket.remoteAddress ?? '';
	return { limit: endpoint.rateLimitPerMinute, verifiedBucket: `${endpoint.id} ${source}`, refusedBucket: `${endpoint.id} ${source} refused` };
}

/** The header, query parameter or body properties an endpoint's callers send their key or signature in. */
function credentialsOf(endpoint: RegisteredEndpoint): { headers: string[]; query: string[]; bodyKeys?: string[] } {
	const config = endpoint.authConfig as { header?: unknown; query?: unknown };
	const named = (value: unknown) => (typeof value === 'string' && value !== '' ? [value.toLowerCase()] : []);
	if (endpoint.auth === 'api_key') return { headers: named(config.header), query: typeof config.query === 'string' ? [config.query] : [] };
	if (endpoint.auth === 'hmac') return { headers: named(config.header), query: [] };
	if (endpoint.auth === 'jwt') return { headers: ['authorization'], query: [] };
	if (endpoint.auth === 'microsoft_graph') return { headers: [], query: [], bodyKeys: ['clientState'] };
	return { headers: [], query: [] };
}

/** `/github/push/` -> `github/push`; null for anything a suffix cannot be. */
function suffixOf(path: string): string | null {
	const suffix = path.replace(/^\/+/, '').replace(/\/$/, '');
	return suffix === '' ? null : suffix;
}

function queryOf(url: string): string {
	const index = url.indexOf('?');
	return index === -1 ? '' : url.slice(index + 1);
}

function pathOf(url: string): string {
	const index = url.indexOf('?');
	return index === -1 ? url : url.slice(0, index);
}

/** Header values as verifiers read them: one string each (Node joins repeats, except set-cookie). */
function singleValued(headers: Request['headers']): Record<string, string | undefined> {
	const result: Record<string, string | undefined> = {};
	for (const [name, value] of Object.entries(headers)) result[name] = Array.isArray(value) ? value.join(', ') : value;
	return result;
}
