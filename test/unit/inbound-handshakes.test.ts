// The provider presets added for handshakes (meta, zoom, microsoft_graph) and the handshake
// answers themselves, as pure functions: what is echoed, and what must never be.
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bodyHandshake, queryHandshake } from '../../extensions/src/api/inbound/http/handshake';
import { meta } from '../../extensions/src/api/inbound/verifiers/meta';
import { microsoftGraph } from '../../extensions/src/api/inbound/verifiers/microsoft-graph';
import type { InboundRequest } from '../../extensions/src/api/inbound/verifiers/types';
import { zoom } from '../../extensions/src/api/inbound/verifiers/zoom';
import { MAX_CHALLENGE_LENGTH } from '../../extensions/src/shared/inbound-endpoint';

const NOW = Date.now();
const nowSeconds = Math.floor(NOW / 1000);

function request(options: Partial<InboundRequest> & { body?: string } = {}): InboundRequest {
	return { method: options.method ?? 'POST', headers: options.headers ?? {}, query: options.query ?? {}, rawBody: Buffer.from(options.body ?? '') };
}

const zoomHeaders = (secret: string, body: string, timestamp = nowSeconds) => ({
	'x-zm-request-timestamp': String(timestamp),
	'x-zm-signature': 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex'),
});

describe('meta', () => {
	const secret = randomBytes(16).toString('hex');
	const body = '{"object":"whatsapp_business_account","entry":[]}';
	const signed = (key: string) => ({ 'x-hub-signature-256': 'sha256=' + createHmac('sha256', key).update(body).digest('hex') });

	it('accepts X-Hub-Signature-256 made with the app secret, and nothing else', () => {
		expect(meta.verify(request({ headers: signed(secret), body }), {}, [secret])).toEqual({ ok: true, deliveryId: null });
		expect(meta.verify(request({ headers: signed('other'), body }), {}, [secret])).toMatchObject({ ok: false, status: 401, reason: 'signature does not match' });
		expect(meta.verify(request({ body }), {}, [secret])).toMatchObject({ ok: false, reason: 'missing X-Hub-Signature-256 header' });
	});

	it('answers the GET subscription handshake with the challenge only when the verify token matches', () => {
		const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'my-token', 'hub.challenge': '1158201444' };
		expect(queryHandshake('meta', request({ method: 'GET', query }), 'my-token')).toEqual({ ok: true, answer: { contentType: 'text/plain; charset=utf-8', body: '1158201444' } });
		expect(queryHandshake('meta', request({ method: 'GET', query }), 'other-token')).toMatchObject({ ok: false, status: 401, reason: 'hub.verify_token does not match' });
		expect(queryHandshake('meta', request({ method: 'GET', query: { ...query, 'hub.verify_token': undefined } }), 'my-token')).toMatchObject({ ok: false, status: 401 });
		expect(queryHandshake('meta', request({ method: 'GET', query: { ...query, 'hub.mode': 'unsubscribe' } }), 'my-token')).toMatchObject({ ok: false, status: 401 });
		// Without a readable token nobody can subscribe the endpoint.
		expect(queryHandshake('meta', request({ method: 'GET', query }), undefined)).toMatchObject({ ok: false, status: 403 });
	});

	it('never echoes an overlong, repeated or non-printable challenge', () => {
		const base = { 'hub.mode': 'subscribe', 'hub.verify_token': 't' };
		for (const challenge of ['x'.repeat(MAX_CHALLENGE_LENGTH + 1), ['1', '2'], 'a\r\nSet-Cookie: x=1', '', 'é']) {
			expect(queryHandshake('meta', request({ method: 'GET', query: { ...base, 'hub.challenge': challenge } }), 't')).toMatchObject({ ok: false, status: 401 });
		}
		expect(queryHandshake('meta', request({ method: 'GET', query: { ...base, 'hub.challenge': 'x'.repeat(MAX_CHALLENGE_LENGTH) } }), 't')).toMatchObject({ ok: true });
	});

	it('is not a handshake without hub.mode, or on POST', () => {
		expect(queryHandshake('meta', request({ method: 'GET', query: { a: '1' } }), 't')).toBeNull();
		expect(queryHandshake('meta', request({ method: 'POST', query: { 'hub.mode': 'subscribe' } }), 't')).toBeNull();
		expect(queryHandshake('github', request({ method: 'GET', query: { 'hub.mode': 'subscribe' } }), 't')).toBeNull();
	});
});

describe('zoom', () => {
	const secret = randomBytes(16).toString('hex');
	const body = '{"event":"meeting.started","payload":{"object":{"id":"1"}}}';

	it('accepts x-zm-signature over v0:timestamp:body, and refuses a wrong, stale or missing one', () => {
		expect(zoom.verify(request({ headers: zoomHeaders(secret, body), body }), {}, [secret], NOW)).toEqual({ ok: true, deliveryId: null });
		expect(zoom.verify(request({ headers: zoomHeaders('wrong', body), body }), {}, [secret], NOW)).toMatchObject({ ok: false, reason: 'signature does not match' });
		expect(zoom.verify(request({ headers: zoomHeaders(secret, body, nowSeconds - 301), body }), {}, [secret], NOW)).toMatchObject({ ok: false, reason: 'timestamp outside the 300 s tolerance' });
		expect(zoom.verify(request({ body }), {}, [secret], NOW)).toMatchObject({ ok: false, reason: 'missing x-zm-signature header' });
	});

	it('answers endpoint.url_validation with the plain token and its HMAC under the secret that signed it', () => {
		const validation = JSON.stringify({ payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' }, event_ts: 1654503849680, event: 'endpoint.url_validation' });
		const answer = bodyHandshake('zoom', request({ headers: zoomHeaders('new', validation), body: validation }), ['old', 'new']);
		expect(answer?.contentType).toBe('application/json');
		expect(JSON.parse(answer!.body)).toEqual({ plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: createHmac('sha256', 'new').update('qgg8vlvZRS6UYooatFL8Aw').digest('hex') });
	});

	it('treats an ordinary event or a validation without a usable token as an event', () => {
		expect(bodyHandshake('zoom', request({ headers: zoomHeaders(secret, body), body }), [secret])).toBeNull();
		const odd = JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: { nested: 1 } } });
		expect(bodyHandshake('zoom', request({ headers: zoomHeaders(secret, odd), body: odd }), [secret])).toBeNull();
	});
});

describe('slack url_verification', () => {
	it('answers the challenge as text/plain, and only for the slack preset', () => {
		const body = JSON.stringify({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
		expect(bodyHandshake('slack', request({ body }), ['s'])).toEqual({ contentType: 'text/plain; charset=utf-8', body: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
		expect(bodyHandshake('github', request({ body }), ['s'])).toBeNull();
		expect(bodyHandshake('slack', request({ body: JSON.stringify({ type: 'event_callback', challenge: 'x' }) }), ['s'])).toBeNull();
	});
});

describe('microsoft_graph', () => {
	const state = 'secretClientValue-' + randomBytes(8).toString('hex');
	const notification = (clientState: unknown) => JSON.stringify({ value: [{ subscriptionId: 'a', changeType: 'created', resource: 'me/messages', clientState, tenantId: 't' }] });

	it('accepts notifications whose every clientState is a secret', () => {
		expect(microsoftGraph.verify(request({ body: notification(state) }), {}, [state])).toEqual({ ok: true, deliveryId: null });
		const two = JSON.stringify({ value: [{ clientState: state }, { clientState: 'forged' }] });
		expect(microsoftGraph.verify(request({ body: two }), {}, [state])).toMatchObject({ ok: false, reason: 'clientState does not match' });
		expect(microsoftGraph.verify(request({ body: notification(undefined) }), {}, [state])).toMatchObject({ ok: false, reason: 'clientState does not match' });
		for (const body of ['', '[]', '{"value":[]}', 'not json', '{"value":{}}']) expect(microsoftGraph.verify(request({ body }), {}, [state]).ok).toBe(false);
	});

	it('echoes a validationToken as text/plain, bounded, with no secret needed', () => {
		const token = 'Validation: Testing client application reachability for subscription Request-Id: 522a8e7e-096a-494c-aaf1-ac0dcfca45b7';
		expect(queryHandshake('microsoft_graph', request({ query: { validationToken: token } }), undefined)).toEqual({ ok: true, answer: { contentType: 'text/plain; charset=utf-8', body: token } });
		expect(queryHandshake('microsoft_graph', request({ query: { validationToken: 'x'.repeat(MAX_CHALLENGE_LENGTH + 1) } }), undefined)).toMatchObject({ ok: false });
		expect(queryHandshake('microsoft_graph', request({ query: { validationToken: ['a', 'b'] } }), undefined)).toMatchObject({ ok: false });
		expect(queryHandshake('microsoft_graph', request({ query: { other: 'x' } }), undefined)).toBeNull();
	});
});
