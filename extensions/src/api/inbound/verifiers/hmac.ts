// Checks a received HMAC against every secret, for the presets that sign the body with the
// secret's text as the key.
import { createHmac } from 'node:crypto';
import type { HmacAlgorithm, HmacEncoding } from '../../../shared/inbound-endpoint';
import { safeEqual } from './constant-time';

export function hmac(algorithm: HmacAlgorithm, secret: string, parts: readonly (string | Buffer)[], encoding: HmacEncoding): string {
	const mac = createHmac(algorithm, secret);
	for (const part of parts) mac.update(part);
	return mac.digest(encoding);
}

/** True when any received signature matches any secret; no early exit, so timing shows neither. */
export function anyHmacMatches(
	received: readonly string[],
	secrets: readonly string[],
	algorithm: HmacAlgorithm,
	parts: readonly (string | Buffer)[],
	encoding: HmacEncoding,
): boolean {
	let matched = false;
	for (const secret of secrets) {
		const expected = hmac(algorithm, secret, parts, encoding);
		for (const signature of received) matched = safeEqual(signature, expected) || matched;
	}
	return matched;
}
