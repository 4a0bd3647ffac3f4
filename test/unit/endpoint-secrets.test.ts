import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { generateEndpointSecret, openSecrets, sealSecrets, unexpired, type StoredSecret } from '../../extensions/src/api/inbound/config/endpoint-secrets';
import { isValidSecret } from '../../extensions/src/shared/signing-secret';
import { SecretBox } from '../../extensions/src/api/lib/secret-box';
import { AUTH_PRESETS } from '../../extensions/src/shared/inbound-endpoint';

const box = new SecretBox('directus-SECRET-for-inbound-tests-0123');
const NOW = 1_700_000_000_000;

describe('sealSecrets and openSecrets', () => {
	it('round-trips a list, keeping order and expiries', () => {
		const secrets: StoredSecret[] = [
			{ value: 'whsec_new', expires: null },
			{ value: 'user:pa:ss', expires: NOW + 60_000 },
			{ value: 'ünïcødé secret', expires: 0 },
		];
		const sealed = sealSecrets(box, secrets);
		expect(SecretBox.isSealed(sealed)).toBe(true);
		expect(sealed).not.toContain('whsec_new');
		expect(openSecrets(box, sealed)).toEqual(secrets);
	});

	it('seals an empty list as null, and opens nothing as an empty list', () => {
		expect(sealSecrets(box, [])).toBeNull();
		for (const value of [null, undefined, '', 5, {}, ['x']]) expect(openSecrets(box, value)).toEqual([]);
	});

	it('seals afresh each time', () => {
		const secrets: StoredSecret[] = [{ value: 's', expires: null }];
		expect(sealSecrets(box, secrets)).not.toBe(sealSecrets(box, secrets));
	});

	it('throws for a value sealed with another key, tampered with, or not sealed', () => {
		const sealed = sealSecrets(new SecretBox('another-master-key'), [{ value: 's', expires: null }])!;
		expect(() => openSecrets(box, sealed)).toThrow(/cannot be decrypted/);
		expect(() => openSecrets(box, 'plaintext-secret')).toThrow(/not a sealed secret/);
		const own = sealSecrets(box, [{ value: 's', expires: null }])!;
		const last = own.at(-1) === 'A' ? 'B' : 'A';
		expect(() => openSecrets(box, `${own.slice(0, -1)}${last}`)).toThrow();
	});

	it('drops entries that are not secrets, and a sealed value that is not a list', () => {
		const sealed = box.seal(JSON.stringify([
			{ value: 'kept', expires: null },
			{ value: 'kept too', expires: 5 },
			{ value: 3, expires: null },
			{ value: 'no expiry field' },
			{ value: 'text expiry', expires: 'tomorrow' },
			null,
			'bare string',
		]));
		expect(openSecrets(box, sealed)).toEqual([{ value: 'kept', expires: null }, { value: 'kept too', expires: 5 }]);
		expect(openSecrets(box, box.seal('{"value":"x","expires":null}'))).toEqual([]);
		expect(openSecrets(box, box.seal('"x"'))).toEqual([]);
	});
});

describe('unexpired', () => {
	it('keeps secrets without an end or ending after now, in order', () => {
		const secrets: StoredSecret[] = [
			{ value: 'new', expires: null },
			{ value: 'overlap', expires: NOW + 1 },
			{ value: 'just ended', expires: NOW },
			{ value: 'old', expires: NOW - 60_000 },
		];
		expect(unexpired(secrets, NOW)).toEqual(['new', 'overlap']);
		expect(unexpired(secrets, NOW + 1)).toEqual(['new']);
		expect(unexpired(secrets, NOW - 60_001)).toEqual(['new', 'overlap', 'just ended', 'old']);
		expect(unexpired([], NOW)).toEqual([]);
	});
});

describe('generateEndpointSecret', () => {
	it('gives standard_webhooks a whsec_ secret the standardwebhooks library accepts', () => {
		const secret = generateEndpointSecret('standard_webhooks')!;
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
		expect(isValidSecret(secret)).toBe(true);
		expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(24);
		const webhook = new Webhook(secret);
		const body = '{"type":"order.paid"}';
		const timestamp = new Date();
		const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': webhook.sign('msg_1', timestamp, body) };
		expect(webhook.verify(body, headers)).toEqual({ type: 'order.paid' });
		expect(() => new Webhook(generateEndpointSecret('standard_webhooks')!).verify(body, headers)).toThrow();
	});

	it('gives basic a user:password pair', () => {
		const secret = generateEndpointSecret('basic')!;
		const [user, password, ...rest] = secret.split(':');
		expect(rest).toEqual([]);
		expect(user).toBe('webhook');
		expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
	});

	it('gives api_key a URL-safe key and the HMAC presets a hex key', () => {
		expect(generateEndpointSecret('api_key')).toMatch(/^[A-Za-z0-9_-]{32}$/);
		expect(generateEndpointSecret('github')).toMatch(/^[0-9a-f]{64}$/);
		expect(generateEndpointSecret('hmac')).toMatch(/^[0-9a-f]{64}$/);
	});

	it.each(['stripe', 'shopify', 'slack', 'none'] as const)('gives %s none: the provider issues it, or there is none', (preset) => {
		expect(generateEndpointSecret(preset)).toBeNull();
	});

	it('never repeats a secret', () => {
		for (const preset of AUTH_PRESETS) {
			const first = generateEndpointSecret(preset);
			if (first === null) continue;
			const seen = new Set([first]);
			for (let index = 0; index < 20; index += 1) seen.add(generateEndpointSecret(preset)!);
			expect(seen.size, preset).toBe(21);
		}
	});
});
