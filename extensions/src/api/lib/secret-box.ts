// Encrypts secrets stored in the database (signing secrets, inbound verification secrets) with
// AES-256-GCM, so a database dump alone does not reveal them. The key is derived with HKDF-SHA256
// from WEBHOOKS_ENCRYPTION_KEY or Directus's SECRET; deriving keeps it distinct from SECRET's own
// use (signing Directus tokens) even though both come from the same string.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// Bumped if the format or key derivation ever changes, so old values can still be recognised.
const VERSION = 'wh1';
const CIPHER = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT = 'directus-extension-webhooks';
const INFO = 'secret-box:wh1';
// base64url without padding: 12 bytes are 16 characters, 16 bytes are 22.
const SEALED = /^wh1:([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22}):([A-Za-z0-9_-]*)$/;
const ENV_NAMES = ['WEBHOOKS_ENCRYPTION_KEY', 'SECRET'] as const;

/** The master string for SecretBox: WEBHOOKS_ENCRYPTION_KEY when set, else SECRET. */
export function encryptionKeyFromEnv(env: Record<string, unknown>): string {
	for (const name of ENV_NAMES) {
		const value = env[name];
		if (value === undefined || value === null || value === '') continue;
		// Directus casts numeric-looking values to numbers; those are still usable strings.
		if (typeof value === 'number' || typeof value === 'bigint') return String(value);
		if (typeof value !== 'string') throw new Error(`${name} must be a string (it is used to encrypt webhook secrets)`);
		if (value.trim() === '') continue;
		return value;
	}
	throw new Error('Set SECRET (or WEBHOOKS_ENCRYPTION_KEY): webhook secrets are encrypted at rest with a key derived from it');
}

// Node ignores stray trailing bits when decoding, so two texts can decode alike; accepting only the
// canonical form means any change to a sealed value is detected.
function decodeCanonical(text: string): Buffer {
	const bytes = Buffer.from(text, 'base64url');
	if (bytes.toString('base64url') !== text) throw new Error('not canonical base64url');
	return bytes;
}

export class SecretBox {
	// A true private field: kept out of util.inspect, JSON and accidental logging of the instance.
	readonly #key: Buffer;

	constructor(master: string) {
		if (typeof master !== 'string' || master === '') throw new Error('SecretBox needs a non-empty master key');
		this.#key = Buffer.from(hkdfSync('sha256', master, SALT, INFO, KEY_BYTES));
	}

	/** Whether a value has the sealed format (it may still fail to open). */
	static isSealed(value: unknown): value is string {
		return typeof value === 'string' && SEALED.test(value);
	}

	seal(plain: string): string {
		if (typeof plain !== 'string') throw new TypeError('only strings can be sealed');
		const iv = randomBytes(IV_BYTES);
		const cipher = createCipheriv(CIPHER, this.#key, iv, { authTagLength: TAG_BYTES });
		// The version is authenticated too, so it cannot be swapped for another format's.
		cipher.setAAD(Buffer.from(VERSION));
		const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
		return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
	}

	/** The plaintext; throws when the value is malformed, tampered with or sealed with another key. */
	open(sealed: string): string {
		// Messages never echo the input: it may be a plaintext secret stored by mistake.
		const match = typeof sealed === 'string' ? SEALED.exec(sealed) : null;
		if (!match) throw new Error('the value is not a sealed secret');
		const [, iv, tag, ciphertext] = match as unknown as [string, string, string, string];
		try {
			const decipher = createDecipheriv(CIPHER, this.#key, decodeCanonical(iv), { authTagLength: TAG_BYTES });
			decipher.setAAD(Buffer.from(VERSION));
			decipher.setAuthTag(decodeCanonical(tag));
			return Buffer.concat([decipher.update(decodeCanonical(ciphertext)), decipher.final()]).toString('utf8');
		} catch {
			throw new Error('the secret cannot be decrypted: it was sealed with another key or has been altered');
		}
	}
}
