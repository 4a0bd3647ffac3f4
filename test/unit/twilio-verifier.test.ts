// The twilio preset checked against Twilio's own library (the `twilio` npm package): what its
// validateRequest / validateRequestWithBody accept, ours accepts, and nothing else.
import { createHash, randomBytes } from 'node:crypto';
import twilioLibrary from 'twilio';
import { describe, expect, it } from 'vitest';
import { twilio } from '../../extensions/src/api/inbound/verifiers/twilio';
import type { InboundRequest } from '../../extensions/src/api/inbound/verifiers/types';

const token = randomBytes(16).toString('hex');
const FORM = 'application/x-www-form-urlencoded';

function request(url: string, body: string, headers: Record<string, string>): InboundRequest {
	return { method: 'POST', headers, query: {}, rawBody: Buffer.from(body), url };
}

/** Form parameters as Express hands them to Twilio's library: repeated names become arrays. */
function parameters(body: string): Record<string, string | string[]> {
	const result: Record<string, string | string[]> = {};
	for (const [name, value] of new URLSearchParams(body)) {
		const existing = result[name];
		result[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
	}
	return result;
}

describe('twilio', () => {
	const url = 'https://mycompany.com/webhooks/in/sms?foo=1&bar=2';
	// Twilio's documented example parameters.
	const body = new URLSearchParams({ CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' }).toString();

	it('accepts form POSTs signed as Twilio signs them, and refuses a changed parameter, URL or token', () => {
		const signature = twilioLibrary.getExpectedTwilioSignature(token, url, parameters(body));
		expect(twilioLibrary.validateRequest(token, signature, url, parameters(body))).toBe(true);
		expect(twilio.verify(request(url, body, { 'content-type': FORM, 'x-twilio-signature': signature }), {}, [token])).toEqual({ ok: true, deliveryId: null });
		expect(twilio.verify(request(url, body.replace('1234', '1235'), { 'content-type': FORM, 'x-twilio-signature': signature }), {}, [token]).ok).toBe(false);
		expect(twilio.verify(request(url.replace('foo=1', 'foo=2'), body, { 'content-type': FORM, 'x-twilio-signature': signature }), {}, [token]).ok).toBe(false);
		expect(twilio.verify(request(url, body, { 'content-type': FORM, 'x-twilio-signature': signature }), {}, ['other']).ok).toBe(false);
		expect(twilio.verify(request(url, body, { 'content-type': FORM }), {}, [token])).toMatchObject({ ok: false, reason: 'missing X-Twilio-Signature header' });
	});

	it('agrees with validateRequest on repeated, unordered and non-ASCII parameters, and on URLs with and without a port', () => {
		const bodies = ['b=2&a=1&a=0&a=1', 'Body=Gr%C3%BC%C3%9Fe+%E2%9C%93&To=%2B1', 'x=&y=%26%3D', ''];
		for (const signedUrl of [url, 'https://mycompany.com:443/webhooks/in/sms', 'http://example.com:8055/webhooks/in/sms?a=b']) {
			for (const form of bodies) {
				const signature = twilioLibrary.getExpectedTwilioSignature(token, signedUrl, parameters(form));
				for (const receivedUrl of [signedUrl, signedUrl.replace(':443', ''), signedUrl.replace('.com/', '.com:443/')]) {
					const theirs = twilioLibrary.validateRequest(token, signature, receivedUrl, parameters(form));
					const ours = twilio.verify(request(receivedUrl, form, { 'content-type': FORM, 'x-twilio-signature': signature }), {}, [token]).ok;
					expect(ours, `${receivedUrl} ${form}`).toBe(theirs);
				}
			}
		}
	});

	it('accepts JSON bodies signed through bodySHA256, as validateRequestWithBody does, and refuses a changed body', () => {
		const json = '{"ServiceSid":"IS123","EventType":"onMessageAdded","Body":"héllo"}';
		const signedUrl = `https://mycompany.com/webhooks/in/conv?bodySHA256=${createHash('sha256').update(json).digest('hex')}`;
		const signature = twilioLibrary.getExpectedTwilioSignature(token, signedUrl, {});
		expect(twilioLibrary.validateRequestWithBody(token, signature, signedUrl, json)).toBe(true);
		expect(twilio.verify(request(signedUrl, json, { 'content-type': 'application/json', 'x-twilio-signature': signature }), {}, [token]).ok).toBe(true);
		expect(twilioLibrary.validateRequestWithBody(token, signature, signedUrl, json + ' ')).toBe(false);
		expect(twilio.verify(request(signedUrl, json + ' ', { 'content-type': 'application/json', 'x-twilio-signature': signature }), {}, [token])).toMatchObject({ ok: false, reason: 'the body does not match bodySHA256' });
	});

	it('takes the idempotency token as the delivery id', () => {
		const signature = twilioLibrary.getExpectedTwilioSignature(token, url, parameters(body));
		const verdict = twilio.verify(request(url, body, { 'content-type': FORM, 'x-twilio-signature': signature, 'i-twilio-idempotency-token': 'idem-1' }), {}, [token]);
		expect(verdict).toEqual({ ok: true, deliveryId: 'idem-1' });
	});
});
