import { createHmac, randomBytes } from 'node:crypto';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { AUTH_PRESETS as SHARED_AUTH_PRESETS } from '../../extensions/src/shared/inbound-endpoint';
import { apiKey } from '../../extensions/src/api/inbound/verifiers/api-key';
import { basicAuth } from '../../extensions/src/api/inbound/verifiers/basic-auth';
import { safeEqual } from '../../extensions/src/api/inbound/verifiers/constant-time';
import { genericHmac } from '../../extensions/src/api/inbound/verifiers/generic-hmac';
import type { HmacConfig } from '../../extensions/src/api/inbound/verifiers/generic-hmac';
import { github } from '../../extensions/src/api/inbound/verifiers/github';
import { AUTH_PRESETS, VERIFIERS } from '../../extensions/src/api/inbound/verifiers/index';
import { none } from '../../extensions/src/api/inbound/verifiers/none';
import { shopify } from '../../extensions/src/api/inbound/verifiers/shopify';
import { slack } from '../../extensions/src/api/inbound/verifiers/slack';
import { standardWebhooks } from '../../extensions/src/api/inbound/verifiers/standard-webhooks';
import { stripe } from '../../extensions/src/api/inbound/verifiers/stripe';
import type { InboundRequest, Verdict } from '../../extensions/src/api/inbound/verifiers/types';

// A fixed clock in milliseconds; every timestamped case is built relative to it.
const NOW = Date.now();
const nowSeconds = Math.floor(NOW / 1000);
// Non-ASCII and JSON spacing that a re-serialisation would change.
const BODY = '{"id": "evt_1Nq", "type":"push",  "title":"Grüße ✓"}';

function request(headers: Record<string, string | undefined> = {}, body: string | Buffer = BODY, query: InboundRequest['query'] = {}): InboundRequest {
	return { method: 'POST', headers, query, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

function expectRejected(verdict: Verdict, reason: string | RegExp, status: 401 | 403 = 401): void {
	expect(verdict.ok).toBe(false);
	if (verdict.ok) return;
	expect(verdict.status).toBe(status);
	if (typeof reason === 'string') expect(verdict.reason).toBe(reason);
	else expect(verdict.reason).toMatch(reason);
}

/** Flips one character so the value keeps its format and length. */
function tamper(value: string): string {
	const last = value.at(-1)!;
	return value.slice(0, -1) + (last === 'a' ? 'b' : 'a');
}

describe('safeEqual', () => {
	it('is true only for identical content', () => {
		expect(safeEqual('abc', 'abc')).toBe(true);
		expect(safeEqual(Buffer.from('abc'), 'abc')).toBe(true);
		expect(safeEqual('abc', 'abd')).toBe(false);
		expect(safeEqual(Buffer.from([1, 2, 3]), Buffer.from([1, 2, 4]))).toBe(false);
	});

	it('is false, without throwing, for different lengths', () => {
		expect(safeEqual('abc', 'abcd')).toBe(false);
		expect(safeEqual('', 'a')).toBe(false);
		expect(safeEqual(Buffer.alloc(0), '')).toBe(true);
	});

	it('compares bytes, not characters', () => {
		// Same UTF-16 length, different UTF-8 byte lengths.
		expect(safeEqual('é', 'e')).toBe(false);
		expect(safeEqual('é', Buffer.from('é'))).toBe(true);
	});
});

describe('index', () => {
	it('has a verifier for every preset, and only those', () => {
		expect([...AUTH_PRESETS]).toEqual(['none', 'api_key', 'basic', 'standard_webhooks', 'github', 'stripe', 'shopify', 'slack', 'hmac', 'meta', 'zoom', 'microsoft_graph', 'twilio', 'jwt']);
		expect(AUTH_PRESETS).toBe(SHARED_AUTH_PRESETS);
		expect(Object.keys(VERIFIERS).sort()).toEqual([...AUTH_PRESETS].sort());
		expect(VERIFIERS.github).toBe(github);
		expect(VERIFIERS.hmac).toBe(genericHmac);
		expect(VERIFIERS.basic).toBe(basicAuth);
		expect(VERIFIERS.api_key).toBe(apiKey);
	});
});

describe('none', () => {
	it('accepts anything', () => {
		expect(none.verify(request(), {}, [])).toEqual({ ok: true, deliveryId: null });
	});
});

describe('presets refuse to run without a secret', () => {
	const cases = [
		['api_key', { header: 'x-api-key' }],
		['basic', {}],
		['standard_webhooks', {}],
		['github', {}],
		['stripe', {}],
		['shopify', {}],
		['slack', {}],
		['hmac', { header: 'x-sig', algorithm: 'sha256', encoding: 'hex' }],
		['meta', {}],
		['zoom', {}],
		['microsoft_graph', {}],
		['twilio', {}],
		['jwt', {}],
	] as const;
	for (const [preset, config] of cases) {
		it(`${preset}: 403 with no secret or only empty ones`, async () => {
			const headers = { 'x-api-key': '', authorization: 'Basic Og==', 'x-sig': '' };
			expectRejected(await VERIFIERS[preset].verify(request(headers), config, [], NOW), 'endpoint authentication is not configured', 403);
			expectRejected(await VERIFIERS[preset].verify(request(headers), config, [''], NOW), 'endpoint authentication is not configured', 403);
		});
	}
});

describe('api_key', () => {
	const key = 'k_' + randomBytes(16).toString('hex');

	it('accepts the key from the configured header, case-insensitively named', () => {
		expect(apiKey.verify(request({ 'x-token': key }), { header: 'X-Token' }, [key])).toEqual({ ok: true, deliveryId: null });
	});

	it('defaults to x-api-key', () => {
		expect(apiKey.verify(request({ 'x-api-key': key }), {}, [key]).ok).toBe(true);
		expectRejected(apiKey.verify(request({ 'x-token': key }), {}, [key]), 'missing x-api-key header');
	});

	it('strips a Bearer scheme from Authorization', () => {
		expect(apiKey.verify(request({ authorization: `Bearer ${key}` }), { header: 'Authorization' }, [key]).ok).toBe(true);
		expectRejected(apiKey.verify(request({ authorization: `Bearer ${tamper(key)}` }), { header: 'Authorization' }, [key]), 'API key does not match');
	});

	it('accepts the key from a query parameter', () => {
		expect(apiKey.verify(request({}, BODY, { token: key }), { query: 'token' }, [key]).ok).toBe(true);
		expectRejected(apiKey.verify(request({}, BODY, { token: tamper(key) }), { query: 'token' }, [key]), 'API key does not match');
		expectRejected(apiKey.verify(request({}, BODY, {}), { query: 'token' }, [key]), 'missing token query parameter');
		expectRejected(apiKey.verify(request({}, BODY, { token: [key, key] }), { query: 'token' }, [key]), 'repeated token query parameter');
	});

	it('does not read the query when a header is configured', () => {
		expectRejected(apiKey.verify(request({}, BODY, { token: key }), { header: 'x-token' }, [key]), 'missing x-token header');
	});

	it('rejects a wrong, shorter, longer or missing key', () => {
		for (const wrong of [tamper(key), key.slice(1), key + 'x']) {
			expectRejected(apiKey.verify(request({ 'x-api-key': wrong }), {}, [key]), 'API key does not match');
		}
		expectRejected(apiKey.verify(request({}), { header: 'X-Token' }, [key]), 'missing X-Token header');
	});

	it('accepts any key during rotation', () => {
		expect(apiKey.verify(request({ 'x-api-key': 'new-key' }), {}, ['old-key', 'new-key']).ok).toBe(true);
		expect(apiKey.verify(request({ 'x-api-key': 'new-key' }), {}, ['old-key']).ok).toBe(false);
	});
});

describe('basic', () => {
	const basic = (credentials: string) => ({ authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });

	it('accepts a matching user:password pair', () => {
		expect(basicAuth.verify(request(basic('hook:s3cret:with:colons')), {}, ['hook:s3cret:with:colons'])).toEqual({ ok: true, deliveryId: null });
	});

	it('accepts any pair during rotation', () => {
		expect(basicAuth.verify(request(basic('hook:new')), {}, ['hook:old', 'hook:new']).ok).toBe(true);
		expect(basicAuth.verify(request(basic('hook:new')), {}, ['hook:old']).ok).toBe(false);
	});

	it('rejects a wrong password or user', () => {
		expectRejected(basicAuth.verify(request(basic('hook:wrong')), {}, ['hook:s3cret']), 'credentials do not match');
		expectRejected(basicAuth.verify(request(basic('other:s3cret')), {}, ['hook:s3cret']), 'credentials do not match');
	});

	it('rejects a missing header, another scheme or credentials without a colon', () => {
		expectRejected(basicAuth.verify(request({}), {}, ['hook:s3cret']), 'missing Authorization header');
		expectRejected(basicAuth.verify(request({ authorization: 'Bearer hook:s3cret' }), {}, ['hook:s3cret']), 'Authorization header does not hold Basic credentials');
		expectRejected(basicAuth.verify(request(basic('hooks3cret')), {}, ['hooks3cret']), 'endpoint authentication is not configured', 403);
		expectRejected(basicAuth.verify(request(basic('hooks3cret')), {}, ['hook:s3cret']), 'Authorization header does not hold Basic credentials');
	});
});

describe('standard_webhooks', () => {
	const secret = 'whsec_' + randomBytes(32).toString('base64');
	const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
	const signed = (prefix: 'webhook' | 'svix', signingSecret = secret, seconds = nowSeconds, body = BODY) => ({
		[`${prefix}-id`]: id,
		[`${prefix}-timestamp`]: String(seconds),
		[`${prefix}-signature`]: new Webhook(signingSecret).sign(id, new Date(seconds * 1000), body),
	});

	it('accepts a delivery signed by the standardwebhooks library, with the message id', () => {
		expect(standardWebhooks.verify(request(signed('webhook')), {}, [secret], NOW)).toEqual({ ok: true, deliveryId: id });
	});

	it('accepts svix-* header names', () => {
		expect(standardWebhooks.verify(request(signed('svix')), {}, [secret], NOW)).toEqual({ ok: true, deliveryId: id });
	});

	it('accepts the second secret during rotation, and several signatures in one header', () => {
		const old = 'whsec_' + randomBytes(32).toString('base64');
		expect(standardWebhooks.verify(request(signed('webhook')), {}, [old, secret], NOW).ok).toBe(true);
		expect(standardWebhooks.verify(request(signed('webhook')), {}, [old], NOW).ok).toBe(false);
		const headers = signed('webhook');
		headers['webhook-signature'] = `${signed('webhook', old)['webhook-signature']} ${headers['webhook-signature']}`;
		expect(standardWebhooks.verify(request(headers), {}, [secret], NOW).ok).toBe(true);
	});

	it('rejects a changed body, id or signature', () => {
		expectRejected(standardWebhooks.verify(request(signed('webhook'), BODY + ' '), {}, [secret], NOW), 'signature does not match');
		expectRejected(standardWebhooks.verify(request({ ...signed('webhook'), 'webhook-id': 'msg_other' }), {}, [secret], NOW), 'signature does not match');
		const headers = signed('webhook');
		headers['webhook-signature'] = tamper(headers['webhook-signature']!.replace(/=$/, ''));
		expectRejected(standardWebhooks.verify(request(headers), {}, [secret], NOW), 'signature does not match');
	});

	it('names the missing header', () => {
		for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
			expectRejected(standardWebhooks.verify(request({ ...signed('webhook'), [name]: undefined }), {}, [secret], NOW), `missing ${name} header`);
		}
		expectRejected(standardWebhooks.verify(request({ ...signed('svix'), 'svix-signature': undefined }), {}, [secret], NOW), 'missing svix-signature header');
		expectRejected(standardWebhooks.verify(request({}), {}, [secret], NOW), 'missing webhook-id header');
	});

	it('rejects timestamps outside the tolerance either way, and honours a configured tolerance', () => {
		expectRejected(standardWebhooks.verify(request(signed('webhook', secret, nowSeconds - 301)), {}, [secret], NOW), 'timestamp outside the 300 s tolerance');
		expectRejected(standardWebhooks.verify(request(signed('webhook', secret, nowSeconds + 301)), {}, [secret], NOW), 'timestamp outside the 300 s tolerance');
		expect(standardWebhooks.verify(request(signed('webhook', secret, nowSeconds - 299)), {}, [secret], NOW).ok).toBe(true);
		expect(standardWebhooks.verify(request(signed('webhook', secret, nowSeconds - 301)), { toleranceSeconds: 600 }, [secret], NOW).ok).toBe(true);
		expectRejected(standardWebhooks.verify(request(signed('webhook', secret, nowSeconds - 61)), { toleranceSeconds: 60 }, [secret], NOW), 'timestamp outside the 60 s tolerance');
	});

	it('rejects a malformed timestamp', () => {
		for (const bad of ['1e9', ' 1', '0x10', '-5', `${nowSeconds}.5`]) {
			expectRejected(standardWebhooks.verify(request({ ...signed('webhook'), 'webhook-timestamp': bad }), {}, [secret], NOW), 'malformed webhook-timestamp header');
		}
	});
});

describe('github', () => {
	const secret = "It's a Secret to Everybody";

	it('accepts the documented test vector', () => {
		const headers = {
			'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
			'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
		};
		expect(github.verify(request(headers, 'Hello, World!'), {}, [secret])).toEqual({ ok: true, deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958' });
		expectRejected(github.verify(request(headers, 'Hello, World?'), {}, [secret]), 'signature does not match');
	});

	it('accepts a signature from @octokit/webhooks-methods, without a delivery id', async () => {
		const headers = { 'x-hub-signature-256': await githubSign(secret, BODY) };
		expect(github.verify(request(headers), {}, [secret])).toEqual({ ok: true, deliveryId: null });
	});

	it('accepts upper-case hex', async () => {
		const signature = await githubSign(secret, BODY);
		expect(github.verify(request({ 'x-hub-signature-256': 'sha256=' + signature.slice(7).toUpperCase() }), {}, [secret]).ok).toBe(true);
	});

	it('accepts the second secret during rotation', async () => {
		const headers = { 'x-hub-signature-256': await githubSign('new secret', BODY) };
		expect(github.verify(request(headers), {}, [secret, 'new secret']).ok).toBe(true);
		expect(github.verify(request(headers), {}, [secret]).ok).toBe(false);
	});

	it('rejects a wrong secret, a changed body or a tampered signature', async () => {
		const headers = { 'x-hub-signature-256': await githubSign(secret, BODY) };
		expectRejected(github.verify(request(headers), {}, ['another']), 'signature does not match');
		expectRejected(github.verify(request(headers, Buffer.from(BODY.replace('ü', 'u'))), {}, [secret]), 'signature does not match');
		expectRejected(github.verify(request({ 'x-hub-signature-256': tamper(headers['x-hub-signature-256']) }), {}, [secret]), 'signature does not match');
	});

	it('rejects a missing header, the SHA-1 header alone, or a missing prefix', async () => {
		const signature = await githubSign(secret, BODY);
		expectRejected(github.verify(request({}), {}, [secret]), 'missing X-Hub-Signature-256 header');
		const sha1 = 'sha1=' + createHmac('sha1', secret).update(BODY).digest('hex');
		expectRejected(github.verify(request({ 'x-hub-signature': sha1 }), {}, [secret]), 'missing X-Hub-Signature-256 header');
		expectRejected(github.verify(request({ 'x-hub-signature-256': signature.slice(7) }), {}, [secret]), 'malformed X-Hub-Signature-256 header');
	});
});

describe('stripe', () => {
	const client = new Stripe('sk_test_unused');
	const secret = 'whsec_' + randomBytes(24).toString('hex');
	const header = (signingSecret = secret, timestamp = nowSeconds, payload = BODY) =>
		client.webhooks.generateTestHeaderString({ payload, secret: signingSecret, timestamp });

	it('accepts a header from the Stripe library, with the event id as delivery id', () => {
		expect(stripe.verify(request({ 'stripe-signature': header() }), {}, [secret], NOW)).toEqual({ ok: true, deliveryId: 'evt_1Nq' });
	});

	it('has no delivery id when the body has none', () => {
		const body = '{"object":"event"}';
		expect(stripe.verify(request({ 'stripe-signature': header(secret, nowSeconds, body) }, body), {}, [secret], NOW)).toEqual({ ok: true, deliveryId: null });
		expect(stripe.verify(request({ 'stripe-signature': header(secret, nowSeconds, 'not json') }, 'not json'), {}, [secret], NOW)).toEqual({ ok: true, deliveryId: null });
	});

	it('ignores v0 entries and accepts any of several v1 signatures', () => {
		const valid = header();
		const v1 = valid.split(',').find((entry) => entry.startsWith('v1='))!;
		const withNoise = `t=${nowSeconds},v1=${'0'.repeat(64)},${v1},v0=${'f'.repeat(64)}`;
		expect(stripe.verify(request({ 'stripe-signature': withNoise }), {}, [secret], NOW).ok).toBe(true);
		expectRejected(stripe.verify(request({ 'stripe-signature': `t=${nowSeconds},v0=${v1.slice(3)}` }), {}, [secret], NOW), 'no v1 signature in Stripe-Signature header');
	});

	it('accepts the second secret during rotation', () => {
		const other = 'whsec_' + randomBytes(24).toString('hex');
		expect(stripe.verify(request({ 'stripe-signature': header(other) }), {}, [secret, other], NOW).ok).toBe(true);
		expect(stripe.verify(request({ 'stripe-signature': header(other) }), {}, [secret], NOW).ok).toBe(false);
	});

	it('rejects a changed body, a tampered signature or a moved timestamp', () => {
		expectRejected(stripe.verify(request({ 'stripe-signature': header() }, BODY.replace('push', 'pull')), {}, [secret], NOW), 'signature does not match');
		expectRejected(stripe.verify(request({ 'stripe-signature': tamper(header()) }), {}, [secret], NOW), 'signature does not match');
		const moved = header().replace(`t=${nowSeconds}`, `t=${nowSeconds - 1}`);
		expectRejected(stripe.verify(request({ 'stripe-signature': moved }), {}, [secret], NOW), 'signature does not match');
	});

	it('rejects a missing or malformed header', () => {
		expectRejected(stripe.verify(request({}), {}, [secret], NOW), 'missing Stripe-Signature header');
		const v1 = header().split(',').find((entry) => entry.startsWith('v1='))!;
		expectRejected(stripe.verify(request({ 'stripe-signature': v1 }), {}, [secret], NOW), 'malformed Stripe-Signature header');
		expectRejected(stripe.verify(request({ 'stripe-signature': `t=1,t=2,${v1}` }), {}, [secret], NOW), 'malformed Stripe-Signature header');
	});

	it('rejects a stale timestamp, and honours a configured tolerance', () => {
		expectRejected(stripe.verify(request({ 'stripe-signature': header(secret, nowSeconds - 301) }), {}, [secret], NOW), 'timestamp outside the 300 s tolerance');
		expect(stripe.verify(request({ 'stripe-signature': header(secret, nowSeconds - 299) }), {}, [secret], NOW).ok).toBe(true);
		expect(stripe.verify(request({ 'stripe-signature': header(secret, nowSeconds - 301) }), { toleranceSeconds: 900 }, [secret], NOW).ok).toBe(true);
	});

	it('agrees with the Stripe library on a header we did not build', () => {
		// Cross-check: the library's own verification accepts what ours accepts.
		const value = header();
		expect(client.webhooks.signature!.verifyHeader(BODY, value, secret, 300)).toBe(true);
		expect(stripe.verify(request({ 'stripe-signature': value }), {}, [secret], NOW).ok).toBe(true);
	});
});

describe('shopify', () => {
	const secret = 'shpss_' + randomBytes(16).toString('hex');
	const signature = (signingSecret = secret, body: string | Buffer = BODY) => createHmac('sha256', signingSecret).update(body).digest('base64');

	it('accepts a valid signature, with the webhook id as delivery id', () => {
		const headers = { 'x-shopify-hmac-sha256': signature(), 'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' };
		expect(shopify.verify(request(headers), {}, [secret])).toEqual({ ok: true, deliveryId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' });
		expect(shopify.verify(request({ 'x-shopify-hmac-sha256': signature() }), {}, [secret])).toEqual({ ok: true, deliveryId: null });
	});

	it('verifies the exact bytes, including binary bodies', () => {
		const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x80]);
		expect(shopify.verify(request({ 'x-shopify-hmac-sha256': signature(secret, bytes) }, bytes), {}, [secret]).ok).toBe(true);
		// Decoding as UTF-8 and re-encoding would change these bytes and the signature.
		expectRejected(shopify.verify(request({ 'x-shopify-hmac-sha256': signature(secret, bytes.toString('utf8')) }, bytes), {}, [secret]), 'signature does not match');
	});

	it('accepts the second secret during rotation', () => {
		expect(shopify.verify(request({ 'x-shopify-hmac-sha256': signature('new') }), {}, [secret, 'new']).ok).toBe(true);
		expect(shopify.verify(request({ 'x-shopify-hmac-sha256': signature('new') }), {}, [secret]).ok).toBe(false);
	});

	it('rejects a wrong signature, a hex signature or a missing header', () => {
		expectRejected(shopify.verify(request({ 'x-shopify-hmac-sha256': signature('wrong') }), {}, [secret]), 'signature does not match');
		expectRejected(shopify.verify(request({ 'x-shopify-hmac-sha256': signature() }, BODY + '\n'), {}, [secret]), 'signature does not match');
		const hex = createHmac('sha256', secret).update(BODY).digest('hex');
		expectRejected(shopify.verify(request({ 'x-shopify-hmac-sha256': hex }), {}, [secret]), 'signature does not match');
		expectRejected(shopify.verify(request({}), {}, [secret]), 'missing X-Shopify-Hmac-Sha256 header');
	});
});

describe('slack', () => {
	const secret = randomBytes(16).toString('hex');
	const body = 'token=x&team_id=T1&command=%2Fweather&text=94070';
	const headers = (signingSecret = secret, timestamp = nowSeconds, signedBody = body) => ({
		'x-slack-request-timestamp': String(timestamp),
		'x-slack-signature': 'v0=' + createHmac('sha256', signingSecret).update(`v0:${timestamp}:${signedBody}`).digest('hex'),
	});

	it('accepts a valid signature', () => {
		expect(slack.verify(request(headers(), body), {}, [secret], NOW)).toEqual({ ok: true, deliveryId: null });
	});

	it('accepts the second secret during rotation', () => {
		expect(slack.verify(request(headers('new'), body), {}, [secret, 'new'], NOW).ok).toBe(true);
		expect(slack.verify(request(headers('new'), body), {}, [secret], NOW).ok).toBe(false);
	});

	it('rejects a changed body, a swapped timestamp or a wrong secret', () => {
		expectRejected(slack.verify(request(headers(), body + '&x=1'), {}, [secret], NOW), 'signature does not match');
		expectRejected(slack.verify(request({ ...headers(), 'x-slack-request-timestamp': String(nowSeconds - 1) }, body), {}, [secret], NOW), 'signature does not match');
		expectRejected(slack.verify(request(headers('wrong'), body), {}, [secret], NOW), 'signature does not match');
	});

	it('rejects missing headers and an unknown version', () => {
		expectRejected(slack.verify(request({ ...headers(), 'x-slack-signature': undefined }, body), {}, [secret], NOW), 'missing X-Slack-Signature header');
		expectRejected(slack.verify(request({ ...headers(), 'x-slack-request-timestamp': undefined }, body), {}, [secret], NOW), 'missing X-Slack-Request-Timestamp header');
		const v1 = headers()['x-slack-signature'].replace('v0=', 'v1=');
		expectRejected(slack.verify(request({ ...headers(), 'x-slack-signature': v1 }, body), {}, [secret], NOW), 'malformed X-Slack-Signature header');
	});

	it('rejects a stale timestamp', () => {
		expectRejected(slack.verify(request(headers(secret, nowSeconds - 301), body), {}, [secret], NOW), 'timestamp outside the 300 s tolerance');
		expect(slack.verify(request(headers(secret, nowSeconds - 300), body), {}, [secret], NOW).ok).toBe(true);
	});
});

describe('hmac (generic)', () => {
	const secret = 'generic-' + randomBytes(8).toString('hex');
	const mac = (algorithm: string, encoding: 'hex' | 'base64', content: string, signingSecret = secret) =>
		createHmac(algorithm, signingSecret).update(content).digest(encoding);

	for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
		for (const encoding of ['hex', 'base64'] as const) {
			it(`accepts ${algorithm} ${encoding} and rejects a wrong secret`, () => {
				const config: HmacConfig = { header: 'X-Signature', algorithm, encoding };
				expect(genericHmac.verify(request({ 'x-signature': mac(algorithm, encoding, BODY) }), config, [secret], NOW).ok).toBe(true);
				expectRejected(genericHmac.verify(request({ 'x-signature': mac(algorithm, encoding, BODY, 'wrong') }), config, [secret], NOW), 'signature does not match');
			});
		}
	}

	it('does not accept a signature made with another algorithm', () => {
		const config: HmacConfig = { header: 'X-Signature', algorithm: 'sha512', encoding: 'hex' };
		expectRejected(genericHmac.verify(request({ 'x-signature': mac('sha256', 'hex', BODY) }), config, [secret], NOW), 'signature does not match');
	});

	it('requires and strips the prefix', () => {
		const config: HmacConfig = { header: 'X-Signature', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=' };
		expect(genericHmac.verify(request({ 'x-signature': 'sha256=' + mac('sha256', 'hex', BODY) }), config, [secret], NOW).ok).toBe(true);
		expectRejected(genericHmac.verify(request({ 'x-signature': mac('sha256', 'hex', BODY) }), config, [secret], NOW), 'malformed X-Signature header');
	});

	it('signs `${timestamp}.${body}` and checks the tolerance when a timestamp header is set', () => {
		const config: HmacConfig = { header: 'X-Signature', algorithm: 'sha256', encoding: 'base64', timestampHeader: 'X-Timestamp', toleranceSeconds: 120 };
		const signed = (timestamp: number) => ({ 'x-timestamp': String(timestamp), 'x-signature': mac('sha256', 'base64', `${timestamp}.${BODY}`) });
		expect(genericHmac.verify(request(signed(nowSeconds)), config, [secret], NOW).ok).toBe(true);
		// The body alone is not what this configuration signs.
		expectRejected(genericHmac.verify(request({ 'x-timestamp': String(nowSeconds), 'x-signature': mac('sha256', 'base64', BODY) }), config, [secret], NOW), 'signature does not match');
		expectRejected(genericHmac.verify(request({ ...signed(nowSeconds), 'x-timestamp': String(nowSeconds + 1) }), config, [secret], NOW), 'signature does not match');
		expectRejected(genericHmac.verify(request(signed(nowSeconds - 121)), config, [secret], NOW), 'timestamp outside the 120 s tolerance');
		expectRejected(genericHmac.verify(request({ 'x-signature': signed(nowSeconds)['x-signature'] }), config, [secret], NOW), 'missing X-Timestamp header');
		expectRejected(genericHmac.verify(request(signed(nowSeconds - 301)), { ...config, toleranceSeconds: undefined }, [secret], NOW), 'timestamp outside the 300 s tolerance');
	});

	it('reports the configured delivery id header', () => {
		const config: HmacConfig = { header: 'X-Signature', algorithm: 'sha256', encoding: 'hex', deliveryIdHeader: 'X-Delivery' };
		const headers = { 'x-signature': mac('sha256', 'hex', BODY), 'x-delivery': 'd-42' };
		expect(genericHmac.verify(request(headers), config, [secret], NOW)).toEqual({ ok: true, deliveryId: 'd-42' });
		expect(genericHmac.verify(request(headers), { ...config, deliveryIdHeader: undefined }, [secret], NOW)).toEqual({ ok: true, deliveryId: null });
	});

	it('accepts the second secret during rotation', () => {
		const config: HmacConfig = { header: 'X-Signature', algorithm: 'sha256', encoding: 'hex' };
		expect(genericHmac.verify(request({ 'x-signature': mac('sha256', 'hex', BODY, 'new') }), config, [secret, 'new'], NOW).ok).toBe(true);
		expect(genericHmac.verify(request({ 'x-signature': mac('sha256', 'hex', BODY, 'new') }), config, [secret], NOW).ok).toBe(false);
	});

	it('rejects a missing header', () => {
		const config: HmacConfig = { header: 'X-Signature', algorithm: 'sha256', encoding: 'hex' };
		expectRejected(genericHmac.verify(request({}), config, [secret], NOW), 'missing X-Signature header');
	});

	it('refuses to run with invalid stored settings', () => {
		const headers = { 'x-signature': mac('md5', 'hex', BODY) };
		for (const config of [
			{ header: 'X-Signature', algorithm: 'md5', encoding: 'hex' },
			{ header: 'X-Signature', algorithm: 'sha256', encoding: 'latin1' },
			{ header: '', algorithm: 'sha256', encoding: 'hex' },
			null,
		]) {
			expectRejected(genericHmac.verify(request(headers), config as unknown as HmacConfig, [secret], NOW), 'endpoint authentication is not configured', 403);
		}
	});
});

describe('reasons never reveal secrets or expected signatures', () => {
	it('github, stripe and hmac failures', () => {
		const secret = 'whsec_topsecretvalue';
		const expected = createHmac('sha256', secret).update(BODY).digest('hex');
		const verdicts = [
			github.verify(request({ 'x-hub-signature-256': 'sha256=00' }), {}, [secret]),
			stripe.verify(request({ 'stripe-signature': `t=${nowSeconds},v1=00` }), {}, [secret], NOW),
			genericHmac.verify(request({ 'x-sig': '00' }), { header: 'x-sig', algorithm: 'sha256', encoding: 'hex' }, [secret], NOW),
			apiKey.verify(request({ 'x-api-key': 'nope' }), {}, [secret]),
		];
		for (const verdict of verdicts) {
			expect(verdict.ok).toBe(false);
			if (verdict.ok) continue;
			expect(verdict.reason).not.toContain(secret);
			expect(verdict.reason).not.toContain('topsecret');
			expect(verdict.reason).not.toContain(expected);
		}
	});
});
