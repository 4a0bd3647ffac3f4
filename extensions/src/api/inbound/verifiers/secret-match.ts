// Comparing a presented credential with stored ones. Both sides are hashed first so the
// comparison always covers 32 bytes and its timing reveals neither the secrets' lengths nor content.
import { createHash } from 'node:crypto';
import { safeEqual } from './constant-time';

function fingerprint(value: string): Buffer {
	return createHash('sha256').update(value).digest();
}

/** True when the presented value equals any secret; every secret is compared, matched or not. */
export function matchesAnySecret(presented: string, secrets: readonly string[]): boolean {
	const received = fingerprint(presented);
	let matched = false;
	for (const secret of secrets) matched = safeEqual(received, fingerprint(secret)) || matched;
	return matched;
}
