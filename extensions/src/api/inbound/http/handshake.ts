// Provider handshakes: the requests a provider sends to prove an endpoint URL is really ours before
// (and while) it delivers events. They are answered here and never stored.
// Each echo is attacker-reachable input served from the Directus origin, so it goes out only after
// the provider's own check passes (Meta's verify token, Slack's and Zoom's signatures; Graph has no
// secret), bounded in length, printable, as text/plain or JSON with the inbound security headers (nosniff).
import { createHmac } from 'node:crypto';
import { MAX_CHALLENGE_LENGTH, type AuthPreset } from '../../../shared/inbound-endpoint';
import { matchesAnySecret } from '../verifiers/secret-match';
import type { InboundRequest, Verdict } from '../verifiers/types';
import { v0SigningSecret } from '../verifiers/v0-signature';
import { ZOOM_HEADERS } from '../verifiers/zoom';
import { notConfigured, reject } from '../verifiers/verdict';

export interface HandshakeAnswer {
	contentType: string;
	body: string;
}

/** A handshake found before the body is read: answered, or refused with the verdict. */
export type QueryHandshake = { ok: true; answer: HandshakeAnswer } | Refused;
type Refused = Extract<Verdict, { ok: false }>;

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';
// Printable ASCII (spaces included): every documented challenge is; served as text/plain with nosniff it stays text.
const PRINTABLE = /^[\x20-\x7e]+$/;

const echoable = (value: unknown): value is string => typeof value === 'string' && value.length <= MAX_CHALLENGE_LENGTH && PRINTABLE.test(value);

/** The verdict constructors are typed as any verdict; these only ever refuse. */
const refused = (verdict: Verdict) => verdict as Refused;

function single(query: InboundRequest['query'], name: string): string | undefined | null {
	const value = query[name];
	// A repeated parameter is ambiguous: refused rather than picking one copy.
	return Array.isArray(value) ? null : value;
}

/**
 * Handshakes told by the method and query alone, so they pass whatever methods the endpoint lists:
 * Meta's GET `hub.mode=subscribe` and Microsoft Graph's `validationToken`. Null: not a handshake.
 * `verifyToken` is Meta's, already opened; undefined when none is configured or it cannot be read.
 */
export function queryHandshake(preset: AuthPreset, request: InboundRequest, verifyToken: string | undefined): QueryHandshake | null {
	if (preset === 'microsoft_graph') {
		if (request.query.validationToken === undefined) return null;
		const token = single(request.query, 'validationToken');
		if (!echoable(token)) return refused(reject(`validationToken must be printable text of at most ${MAX_CHALLENGE_LENGTH} characters`));
		return { ok: true, answer: { contentType: TEXT, body: token } };
	}
	if (preset === 'meta' && request.method === 'GET') {
		if (request.query['hub.mode'] === undefined) return null;
		if (verifyToken === undefined) return refused(notConfigured());
		if (single(request.query, 'hub.mode') !== 'subscribe') return refused(reject('hub.mode must be subscribe'));
		const presented = single(request.query, 'hub.verify_token');
		if (typeof presented !== 'string' || !matchesAnySecret(presented, [verifyToken])) return refused(reject('hub.verify_token does not match'));
		const challenge = single(request.query, 'hub.challenge');
		if (!echoable(challenge)) return refused(reject(`hub.challenge must be printable text of at most ${MAX_CHALLENGE_LENGTH} characters`));
		return { ok: true, answer: { contentType: TEXT, body: challenge } };
	}
	return null;
}

function jsonObject(body: Buffer): Record<string, unknown> | null {
	if (body.length === 0 || body.length > 64 * 1024) return null;
	try {
		const parsed: unknown = JSON.parse(body.toString('utf8'));
		return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
	} catch {
		return null;
	}
}

/**
 * Handshakes in a body whose signature has already been verified: Slack's `url_verification` and
 * Zoom's `endpoint.url_validation`. Null: an ordinary event, to be stored.
 */
export function bodyHandshake(preset: AuthPreset, request: InboundRequest, secrets: string[]): HandshakeAnswer | null {
	if (preset !== 'slack' && preset !== 'zoom') return null;
	const body = jsonObject(request.rawBody);
	if (body === null) return null;
	if (preset === 'slack') {
		if (body.type !== 'url_verification' || !echoable(body.challenge)) return null;
		return { contentType: TEXT, body: body.challenge };
	}
	if (body.event !== 'endpoint.url_validation') return null;
	const payload = body.payload as Record<string, unknown> | null | undefined;
	const plainToken = payload && typeof payload === 'object' ? payload.plainToken : undefined;
	if (!echoable(plainToken)) return null;
	// The secret that signed this request: during a rotation Zoom holds just one of them.
	const secret = v0SigningSecret(request, ZOOM_HEADERS, secrets);
	if (secret === null) return null;
	const encryptedToken = createHmac('sha256', secret).update(plainToken).digest('hex');
	return { contentType: JSON_TYPE, body: JSON.stringify({ plainToken, encryptedToken }) };
}
