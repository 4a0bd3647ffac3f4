// The URL a signature is checked against: PUBLIC_URL when absolute, else the request's own, with
// X-Forwarded-Host only from a proxy Directus trusts (the trusted case runs end to end in
// inbound-verification.test.ts).
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { requestedUrl } from '../../extensions/src/api/inbound/http/public-url';

function fakeRequest(trusted: boolean, headers: Record<string, string>): Request {
	return {
		originalUrl: '/webhooks/in/sms?x=1',
		headers,
		socket: { remoteAddress: '127.0.0.1' },
		protocol: 'http',
		app: { get: (name: string) => (name === 'trust proxy fn' ? () => trusted : undefined) },
	} as unknown as Request;
}

describe('requestedUrl', () => {
	const forwarded = { host: 'internal:8055', 'x-forwarded-host': 'hooks.example.com, proxy.local' };

	it('uses an absolute PUBLIC_URL, whatever the headers say', () => {
		expect(requestedUrl(fakeRequest(true, forwarded), 'https://cms.example.com/')).toBe('https://cms.example.com/webhooks/in/sms?x=1');
	});

	it('takes X-Forwarded-Host (its first value) only from a trusted proxy', () => {
		expect(requestedUrl(fakeRequest(true, forwarded), '/')).toBe('http://hooks.example.com/webhooks/in/sms?x=1');
		expect(requestedUrl(fakeRequest(false, forwarded), '/')).toBe('http://internal:8055/webhooks/in/sms?x=1');
	});
});
