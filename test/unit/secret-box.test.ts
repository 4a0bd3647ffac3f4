import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretBox, encryptionKeyFromEnv } from '../../extensions/src/api/lib/secret-box';

const MASTER = 'directus-SECRET-for-tests-0123456789';
const PLAIN = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** The message of what fn throws; fails the test when it does not throw. */
function thrownMessage(fn: () => unknown): string {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(Error);
		return (error as Error).message;
	}
	throw new Error('expected a throw');
}

function parts(sealed: string): [string, string, string, string] {
	const split = sealed.split(':');
	expect(split).toHaveLength(4);
	return split as [string, string, string, string];
}

/** Flips one bit of a base64url part, keeping it canonical. */
function flipBit(part: string, byte = 0): string {
	const bytes = Buffer.from(part, 'base64url');
	bytes[byte] = bytes[byte]! ^ 0x01;
	return bytes.toString('base64url');
}

describe('SecretBox', () => {
	const box = new SecretBox(MASTER);

	it('opens what it sealed', () => {
		for (const plain of [PLAIN, '', 'a', 'Grüße ✓ 🔑', 'x'.repeat(10_000), 'with:colons:inside']) {
			expect(box.open(box.seal(plain))).toBe(plain);
		}
	});

	it('opens with another instance made from the same master', () => {
		expect(new SecretBox(MASTER).open(box.seal(PLAIN))).toBe(PLAIN);
	});

	it('produces wh1:<iv>:<tag>:<ciphertext> in base64url with a 12-byte IV and 16-byte tag', () => {
		const sealed = box.seal(PLAIN);
		expect(sealed).toMatch(/^wh1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
		const [, iv, tag, ciphertext] = parts(sealed);
		expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
		expect(Buffer.from(tag, 'base64url')).toHaveLength(16);
		// GCM is a stream mode: the ciphertext is as long as the UTF-8 plaintext.
		expect(Buffer.from(ciphertext, 'base64url')).toHaveLength(Buffer.byteLength(PLAIN));
	});

	it('does not contain the plaintext', () => {
		const sealed = box.seal(PLAIN);
		expect(sealed).not.toContain(PLAIN);
		expect(sealed).not.toContain(PLAIN.slice(6));
		expect(sealed).not.toContain(Buffer.from(PLAIN).toString('base64url'));
	});

	it('uses a fresh IV every time, so equal secrets do not look equal', () => {
		const sealed = Array.from({ length: 100 }, () => box.seal(PLAIN));
		expect(new Set(sealed).size).toBe(100);
		expect(new Set(sealed.map((value) => parts(value)[1])).size).toBe(100);
		expect(new Set(sealed.map((value) => parts(value)[3])).size).toBe(100);
	});

	it('fails with another master key', () => {
		const sealed = box.seal(PLAIN);
		expect(() => new SecretBox(`${MASTER}x`).open(sealed)).toThrow(/cannot be decrypted/);
		expect(() => new SecretBox('something else entirely').open(sealed)).toThrow(/cannot be decrypted/);
	});

	it('detects tampering with the IV, tag or ciphertext', () => {
		const [version, iv, tag, ciphertext] = parts(box.seal(PLAIN));
		const tampered = [
			[version, flipBit(iv), tag, ciphertext],
			[version, iv, flipBit(tag), ciphertext],
			[version, iv, flipBit(tag, 15), ciphertext],
			[version, iv, tag, flipBit(ciphertext)],
			[version, iv, tag, flipBit(ciphertext, Buffer.byteLength(PLAIN) - 1)],
			// Truncation and extension of the ciphertext.
			[version, iv, tag, Buffer.from(ciphertext, 'base64url').subarray(1).toString('base64url')],
			[version, iv, tag, Buffer.concat([Buffer.from(ciphertext, 'base64url'), Buffer.from([0])]).toString('base64url')],
			[version, iv, tag, ''],
		];
		for (const [index, value] of tampered.entries()) {
			const sealed = value.join(':');
			expect(SecretBox.isSealed(sealed), `case ${index}`).toBe(true);
			expect(() => box.open(sealed), `case ${index}`).toThrow(/cannot be decrypted/);
		}
	});

	it('detects a change to any single character', () => {
		const sealed = box.seal('short secret');
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
		for (let index = 4; index < sealed.length; index++) {
			if (sealed[index] === ':') continue;
			const other = alphabet[(alphabet.indexOf(sealed[index]!) + 1) % alphabet.length];
			const changed = sealed.slice(0, index) + other + sealed.slice(index + 1);
			expect(() => box.open(changed), `position ${index}`).toThrow();
		}
	});

	it('rejects values that are not sealed', () => {
		for (const value of ['', PLAIN, 'wh1:', 'wh1:a:b:c', 'wh2' + box.seal(PLAIN).slice(3), ` ${box.seal(PLAIN)}`, `${box.seal(PLAIN)}\n`]) {
			expect(() => box.open(value)).toThrow(/not a sealed secret/);
		}
		expect(() => box.open(undefined as unknown as string)).toThrow(/not a sealed secret/);
	});

	it('never puts the plaintext, sealed value or master key in error messages', () => {
		const sealed = box.seal(PLAIN);
		const [version, iv, tag, ciphertext] = parts(sealed);
		const messages = [
			thrownMessage(() => new SecretBox('another master key').open(sealed)),
			thrownMessage(() => box.open([version, iv, flipBit(tag), ciphertext].join(':'))),
			thrownMessage(() => box.open(PLAIN)),
			thrownMessage(() => box.open(`${sealed}!`)),
		];
		for (const message of messages) {
			expect(message.length).toBeGreaterThan(0);
			for (const secret of [PLAIN, PLAIN.slice(6), MASTER, 'another master key', ciphertext, tag]) expect(message).not.toContain(secret);
		}
	});

	it('keeps the derived key out of inspection and JSON', () => {
		const shown = `${inspect(box, { showHidden: true, depth: 5 })} ${JSON.stringify(box)} ${Object.keys(box).join(',')}`;
		expect(shown).not.toMatch(/key/i);
		expect(shown).not.toContain(MASTER);
	});

	it('refuses an empty master key', () => {
		expect(() => new SecretBox('')).toThrow(/non-empty/);
		expect(() => new SecretBox(undefined as unknown as string)).toThrow(/non-empty/);
	});

	it('refuses to seal non-strings', () => {
		expect(() => box.seal(undefined as unknown as string)).toThrow(TypeError);
		expect(() => box.seal({ secret: 1 } as unknown as string)).toThrow(TypeError);
	});
});

describe('SecretBox.isSealed', () => {
	const box = new SecretBox(MASTER);

	it('recognises sealed values', () => {
		expect(SecretBox.isSealed(box.seal(PLAIN))).toBe(true);
		expect(SecretBox.isSealed(box.seal(''))).toBe(true);
	});

	it('rejects plaintext and malformed values', () => {
		const [version, iv, tag, ciphertext] = parts(box.seal(PLAIN));
		for (const value of [
			PLAIN,
			'',
			'wh1',
			`${version}:${iv}:${tag}`,
			`wh2:${iv}:${tag}:${ciphertext}`,
			`${version}:${iv.slice(1)}:${tag}:${ciphertext}`,
			`${version}:${iv}:${tag}x:${ciphertext}`,
			`${version}:${iv}:${tag}:${ciphertext}=`,
			`${version}:${iv}:${tag}:${ciphertext}:extra`,
			`${version}:${iv.replace(/./, '+')}:${tag}:${ciphertext}`,
		]) {
			expect(SecretBox.isSealed(value), value).toBe(false);
		}
	});

	it('is false for non-strings', () => {
		for (const value of [undefined, null, 42, {}, ['wh1'], Buffer.from(box.seal(PLAIN))]) expect(SecretBox.isSealed(value)).toBe(false);
	});
});

describe('encryptionKeyFromEnv', () => {
	it('prefers WEBHOOKS_ENCRYPTION_KEY over SECRET', () => {
		expect(encryptionKeyFromEnv({ SECRET: 'directus-secret', WEBHOOKS_ENCRYPTION_KEY: 'dedicated-key' })).toBe('dedicated-key');
	});

	it('falls back to SECRET', () => {
		expect(encryptionKeyFromEnv({ SECRET: 'directus-secret' })).toBe('directus-secret');
		expect(encryptionKeyFromEnv({ SECRET: 'directus-secret', WEBHOOKS_ENCRYPTION_KEY: '' })).toBe('directus-secret');
		expect(encryptionKeyFromEnv({ SECRET: 'directus-secret', WEBHOOKS_ENCRYPTION_KEY: '   ' })).toBe('directus-secret');
		expect(encryptionKeyFromEnv({ SECRET: 'directus-secret', WEBHOOKS_ENCRYPTION_KEY: null })).toBe('directus-secret');
	});

	it('accepts a value Directus cast to a number', () => {
		expect(encryptionKeyFromEnv({ SECRET: 1234567890123 })).toBe('1234567890123');
	});

	it('throws a clear error when neither is set', () => {
		for (const env of [{}, { SECRET: '' }, { SECRET: undefined, WEBHOOKS_ENCRYPTION_KEY: '' }]) {
			const message = thrownMessage(() => encryptionKeyFromEnv(env));
			expect(message).toContain('SECRET');
			expect(message).toContain('WEBHOOKS_ENCRYPTION_KEY');
		}
	});

	it('never includes a value in its errors', () => {
		const hidden = { toString: () => 'super-secret-value' };
		const message = thrownMessage(() => encryptionKeyFromEnv({ WEBHOOKS_ENCRYPTION_KEY: hidden, SECRET: 'directus-secret-value' }));
		expect(message).toContain('WEBHOOKS_ENCRYPTION_KEY');
		expect(message).not.toContain('super-secret-value');
		expect(message).not.toContain('directus-secret-value');
	});

	it('derives keys that differ per master', () => {
		const sealed = new SecretBox(encryptionKeyFromEnv({ WEBHOOKS_ENCRYPTION_KEY: 'dedicated-key', SECRET: 'directus-secret' })).seal(PLAIN);
		expect(new SecretBox('dedicated-key').open(sealed)).toBe(PLAIN);
		expect(() => new SecretBox('directus-secret').open(sealed)).toThrow();
	});
});
