// The form of a Standard Webhooks signing secret: `whsec_` then canonical base64 of 24 to 64
// bytes (the spec's bounds). One owner, browser-safe, for the signer (api) and the validators.

export const SECRET_PREFIX = 'whsec_';
export const SECRET_MIN_BYTES = 24;
export const SECRET_MAX_BYTES = 64;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decoded byte length of canonical padded base64 (as a re-encode would produce it), else null. */
function base64ByteLength(text: string): number | null {
	if (text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text)) return null;
	const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
	// Canonical form leaves the unused low bits of the last data character zero.
	if (padding > 0) {
		const bits = BASE64_ALPHABET.indexOf(text[text.length - padding - 1]!);
		if ((bits & (padding === 2 ? 0b1111 : 0b11)) !== 0) return null;
	}
	return (text.length / 4) * 3 - padding;
}

/** True for `whsec_` followed by canonical base64 of 24 to 64 bytes. */
export function isValidSecret(secret: unknown): secret is string {
	if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) return false;
	const bytes = base64ByteLength(secret.slice(SECRET_PREFIX.length));
	return bytes !== null && bytes >= SECRET_MIN_BYTES && bytes <= SECRET_MAX_BYTES;
}
