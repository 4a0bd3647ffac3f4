import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
	generateSecret,
	secretKey,
	sign,
	signatureHeader,
	verifySignatureHeader,
	webhookHeaders,
} from '../../extensions/src/api/outbound/transport/signing';
import { messageId } from '../../extensions/src/api/outbound/queue/message-id';
import { isValidSecret } from '../../extensions/src/shared/signing-secret';

// The example from the Standard Webhooks specification's test vectors.
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SPEC_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const SPEC_TIMESTAMP = 1614265330;
const SPEC_BODY = '{"test": 2432232314}';
const SPEC_SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

const now = (): number => Math.floor(Date.now() / 1000);
const body = JSON.stringify({ event: 'items.create', collection: 'articles', payload: { title: 'Grüße ✓' } });

describe('generateSecret', () => {
	it('produces whsec_ and base64 of 32 random bytes by default', () => {
		const secret = generateSecret();
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
		expect(secretKey(secret)).toHaveLength(32);
		expect(isValidSecret(secret)).toBe(true);
	});

	it('honours the requested size within the spec bounds', () => {
		expect(secretKey(generateSecret(24))).toHaveLength(24);
		expect(secretKey(generateSecret(64))).toHaveLength(64);
	});

	it('rejects sizes outside 24..64 and fractional sizes', () => {
		for (const bytes of [0, 23, 65, 32.5, Number.NaN]) expect(() => generateSecret(bytes)).toThrow(RangeError);
	});

	it('never repeats', () => {
		const secrets = new Set(Array.from({ length: 200 }, () => generateSecret()));
		expect(secrets.size).toBe(200);
	});
});

describe('isValidSecret', () => {
	it('accepts the spec example and generated secrets', () => {
		expect(isValidSecret(SPEC_SECRET)).toBe(true);
		expect(isValidSecret(generateSecret(48))).toBe(true);
	});

	it('requires the whsec_ prefix', () => {
		expect(isValidSecret(SPEC_SECRET.slice('whsec_'.length))).toBe(false);
		expect(isValidSecret(`WHSEC_${SPEC_SECRET.slice(6)}`)).toBe(false);
	});

	it('requires canonical base64', () => {
		const encoded = Buffer.alloc(32, 7).toString('base64');
		expect(isValidSecret(`whsec_${encoded}`)).toBe(true);
		expect(isValidSecret(`whsec_${encoded.replace(/=+$/, '')}`)).toBe(false);
		expect(isValidSecret(`whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`)).toBe(false);
		expect(isValidSecret(`whsec_${encoded.slice(0, 10)} ${encoded.slice(10)}`)).toBe(false);
		expect(isValidSecret(`whsec_${encoded.slice(0, 10)}!${encoded.slice(10)}`)).toBe(false);
	});

	it('requires 24 to 64 decoded bytes', () => {
		const ofLength = (bytes: number): string => `whsec_${Buffer.alloc(bytes, 1).toString('base64')}`;
		expect(isValidSecret(ofLength(23))).toBe(false);
		expect(isValidSecret(ofLength(24))).toBe(true);
		expect(isValidSecret(ofLength(64))).toBe(true);
		expect(isValidSecret(ofLength(65))).toBe(false);
		expect(isValidSecret('whsec_')).toBe(false);
	});

	it('is false for non-strings rather than throwing', () => {
		expect(isValidSecret(undefined as unknown as string)).toBe(false);
		expect(isValidSecret(42 as unknown as string)).toBe(false);
	});
});

describe('secretKey', () => {
	it('decodes the part after whsec_, with or without the prefix', () => {
		const key = Buffer.from('0123456789abcdef0123456789abcdef');
		expect(secretKey(`whsec_${key.toString('base64')}`).equals(key)).toBe(true);
		expect(secretKey(key.toString('base64')).equals(key)).toBe(true);
	});

	it('refuses an empty key', () => {
		expect(() => secretKey('whsec_')).toThrow(/empty/);
		expect(() => secretKey('')).toThrow(/empty/);
	});
});

describe('sign', () => {
	it('matches the specification test vector', () => {
		expect(sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)).toBe(SPEC_SIGNATURE);
	});

	it('signs `${id}.${timestamp}.${body}` with HMAC-SHA256 keyed by the decoded secret', () => {
		const secret = generateSecret();
		const expected = createHmac('sha256', secretKey(secret)).update(`msg_1.1700000000.${body}`).digest('base64');
		expect(sign(secret, 'msg_1', 1700000000, body)).toBe(`v1,${expected}`);
	});

	it('gives the same signature for a string body and its UTF-8 bytes', () => {
		const secret = generateSecret();
		expect(sign(secret, 'msg_1', 1700000000, Buffer.from(body, 'utf8'))).toBe(sign(secret, 'msg_1', 1700000000, body));
	});

	it('signs raw bytes exactly, including bytes that are not valid UTF-8', () => {
		const secret = generateSecret();
		const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
		const expected = createHmac('sha256', secretKey(secret)).update(Buffer.concat([Buffer.from('msg_1.5.'), bytes])).digest('base64');
		expect(sign(secret, 'msg_1', 5, bytes)).toBe(`v1,${expected}`);
		expect(sign(secret, 'msg_1', 5, bytes)).not.toBe(sign(secret, 'msg_1', 5, bytes.toString('utf8')));
	});

	it('changes with every signed part and with the secret', () => {
		const secret = generateSecret();
		const base = sign(secret, 'msg_1', 1700000000, body);
		expect(sign(secret, 'msg_2', 1700000000, body)).not.toBe(base);
		expect(sign(secret, 'msg_1', 1700000001, body)).not.toBe(base);
		expect(sign(secret, 'msg_1', 1700000000, `${body} `)).not.toBe(base);
		expect(sign(generateSecret(), 'msg_1', 1700000000, body)).not.toBe(base);
	});

	it('agrees with the standardwebhooks library', () => {
		const secret = generateSecret();
		const timestamp = now();
		expect(sign(secret, 'msg_lib', timestamp, body)).toBe(new Webhook(secret).sign('msg_lib', new Date(timestamp * 1000), body));
	});

	it('requires whole unix seconds', () => {
		const secret = generateSecret();
		expect(() => sign(secret, 'msg_1', 1700000000.5, body)).toThrow(TypeError);
		expect(() => sign(secret, 'msg_1', Number.NaN, body)).toThrow(TypeError);
		// Milliseconds by mistake are still an integer; that is the caller's concern.
		expect(sign(secret, 'msg_1', 0, body)).toMatch(/^v1,/);
	});
});

describe('signatureHeader', () => {
	it('holds one signature per secret, space separated, in order', () => {
		const [newer, older] = [generateSecret(), generateSecret()];
		const header = signatureHeader([newer, older], 'msg_1', 1700000000, body);
		expect(header.split(' ')).toEqual([sign(newer, 'msg_1', 1700000000, body), sign(older, 'msg_1', 1700000000, body)]);
	});

	it('refuses to produce an empty header', () => {
		expect(() => signatureHeader([], 'msg_1', 1700000000, body)).toThrow(/no usable signing secret/);
	});
});

describe('verifySignatureHeader', () => {
	const secret = generateSecret();
	const id = 'msg_verify';
	const timestamp = 1700000000;
	const header = signatureHeader([secret], id, timestamp, body);

	it('accepts its own signature and the spec vector', () => {
		expect(verifySignatureHeader(header, [secret], id, timestamp, body)).toBe(true);
		expect(verifySignatureHeader(SPEC_SIGNATURE, [SPEC_SECRET], SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)).toBe(true);
	});

	it('rejects another secret, id, timestamp or body', () => {
		expect(verifySignatureHeader(header, [generateSecret()], id, timestamp, body)).toBe(false);
		expect(verifySignatureHeader(header, [secret], 'msg_other', timestamp, body)).toBe(false);
		expect(verifySignatureHeader(header, [secret], id, timestamp + 1, body)).toBe(false);
		expect(verifySignatureHeader(header, [secret], id, timestamp, `${body}\n`)).toBe(false);
	});

	it('accepts when any secret matches any signature (rotation, both directions)', () => {
		const [newer, older] = [generateSecret(), generateSecret()];
		const rotated = signatureHeader([newer, older], id, timestamp, body);
		expect(verifySignatureHeader(rotated, [older], id, timestamp, body)).toBe(true);
		expect(verifySignatureHeader(rotated, [newer], id, timestamp, body)).toBe(true);
		expect(verifySignatureHeader(header, [generateSecret(), secret], id, timestamp, body)).toBe(true);
		expect(verifySignatureHeader(rotated, [secret], id, timestamp, body)).toBe(false);
	});

	it('ignores unknown versions, even when they carry a matching digest', () => {
		const digest = header.slice('v1,'.length);
		expect(verifySignatureHeader(`v2,${digest}`, [secret], id, timestamp, body)).toBe(false);
		expect(verifySignatureHeader(`v1a,${digest} v2,xyz ${header}`, [secret], id, timestamp, body)).toBe(true);
	});

	it('rejects truncated, extended, re-encoded and empty signatures', () => {
		const digest = header.slice('v1,'.length);
		expect(verifySignatureHeader(`v1,${digest.slice(0, -2)}`, [secret], id, timestamp, body)).toBe(false);
		expect(verifySignatureHeader(`v1,${digest}AA`, [secret], id, timestamp, body)).toBe(false);
		// Same bytes, other encoding (no padding): the spec compares the base64 text.
		const reencoded = Buffer.from(digest, 'base64').toString('base64url');
		expect(reencoded).not.toBe(digest);
		expect(verifySignatureHeader(`v1,${reencoded}`, [secret], id, timestamp, body)).toBe(false);
		expect(verifySignatureHeader('v1,', [secret], id, timestamp, body)).toBe(false);
		expect(verifySignatureHeader('', [secret], id, timestamp, body)).toBe(false);
		expect(verifySignatureHeader(header, [], id, timestamp, body)).toBe(false);
	});

	it('is false rather than throwing for unusable input', () => {
		expect(verifySignatureHeader(header, ['whsec_'], id, timestamp, body)).toBe(false);
		expect(verifySignatureHeader(header, [secret], id, Number.NaN, body)).toBe(false);
		expect(verifySignatureHeader(undefined as unknown as string, [secret], id, timestamp, body)).toBe(false);
	});
});

describe('webhookHeaders', () => {
	it('returns the three Standard Webhooks headers', () => {
		const secret = generateSecret();
		const headers = webhookHeaders({ id: 'msg_h', timestamp: 1700000000, body, secrets: [secret] });
		expect(headers).toEqual({
			'webhook-id': 'msg_h',
			'webhook-timestamp': '1700000000',
			'webhook-signature': sign(secret, 'msg_h', 1700000000, body),
		});
	});

	it('are accepted by the standardwebhooks library', () => {
		const secret = generateSecret();
		const headers = webhookHeaders({ id: messageId(), timestamp: now(), body, secrets: [secret] });
		expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
	});

	it('are accepted for a Buffer body', () => {
		const secret = generateSecret();
		const bytes = Buffer.from(body, 'utf8');
		const headers = webhookHeaders({ id: messageId(), timestamp: now(), body: bytes, secrets: [secret] });
		expect(new Webhook(secret).verify(bytes, headers)).toEqual(JSON.parse(body));
	});

	it('are rejected by the library for a tampered body or another secret', () => {
		const secret = generateSecret();
		const headers = webhookHeaders({ id: messageId(), timestamp: now(), body, secrets: [secret] });
		expect(() => new Webhook(secret).verify(body.replace('articles', 'article5'), headers)).toThrow();
		expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
	});

	it('let a receiver that knows only the old secret verify during rotation', () => {
		const [newer, older] = [generateSecret(), generateSecret()];
		const headers = webhookHeaders({ id: messageId(), timestamp: now(), body, secrets: [newer, older] });
		expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
		expect(new Webhook(older).verify(body, headers)).toEqual(JSON.parse(body));
		expect(new Webhook(newer).verify(body, headers)).toEqual(JSON.parse(body));
		expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
	});

	it('verify with our own verifier too', () => {
		const [newer, older] = [generateSecret(), generateSecret()];
		const timestamp = now();
		const headers = webhookHeaders({ id: 'msg_own', timestamp, body, secrets: [newer, older] });
		expect(verifySignatureHeader(headers['webhook-signature']!, [older], 'msg_own', Number(headers['webhook-timestamp']), body)).toBe(true);
	});

	it('verify our verifier against headers the library signed', () => {
		const secret = generateSecret();
		const timestamp = now();
		const signature = new Webhook(secret).sign('msg_lib', new Date(timestamp * 1000), body);
		expect(verifySignatureHeader(signature, [secret], 'msg_lib', timestamp, body)).toBe(true);
		expect(verifySignatureHeader(signature, [secret], 'msg_lib', timestamp, `${body} `)).toBe(false);
	});

	it('fail without secrets', () => {
		expect(() => webhookHeaders({ id: 'msg_h', timestamp: 1700000000, body, secrets: [] })).toThrow();
	});
});
