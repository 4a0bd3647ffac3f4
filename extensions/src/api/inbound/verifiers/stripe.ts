// Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=...]`, HMAC-SHA256 of `${t}.${body}` keyed
// with the endpoint secret's text (`whsec_...` as-is, unlike Standard Webhooks).
import type { Verifier } from './types';
import { anyHmacMatches } from './hmac';
import { checkTimestamp, toleranceOf } from './timestamp';
import { usableSecrets } from './usable-secrets';
import { accept, missingHeader, notConfigured, reject, signatureMismatch } from './verdict';

export interface StripeConfig {
	toleranceSeconds?: number;
}

const HEADER = 'Stripe-Signature';

/** The event id, for dedupe; only read once the body is known to come from Stripe. */
function eventId(body: Buffer): string | null {
	try {
		const event: unknown = JSON.parse(body.toString('utf8'));
		if (event && typeof event === 'object' && 'id' in event && typeof event.id === 'string') return event.id;
	} catch {
		// A signed body that is not JSON is still authentic; it just cannot be deduplicated.
	}
	return null;
}

export const stripe: Verifier<StripeConfig> = {
	verify(request, config, secrets, now = Date.now()) {
		const keys = usableSecrets(secrets);
		if (keys.length === 0) return notConfigured();
		const header = request.headers['stripe-signature'];
		if (!header) return missingHeader(HEADER);
		const stamps: string[] = [];
		const signatures: string[] = [];
		for (const entry of header.split(',')) {
			const separator = entry.indexOf('=');
			if (separator < 0) continue;
			const key = entry.slice(0, separator).trim();
			const value = entry.slice(separator + 1).trim();
			if (key === 't') stamps.push(value);
			// v0 and any future schemes are ignored, as Stripe's own libraries do.
			else if (key === 'v1') signatures.push(value.toLowerCase());
		}
		if (stamps.length !== 1) return reject(`malformed ${HEADER} header`);
		if (signatures.length === 0) return reject(`no v1 signature in ${HEADER} header`);
		const timestamp = checkTimestamp(stamps[0]!, HEADER, toleranceOf(config?.toleranceSeconds), now);
		if (typeof timestamp !== 'number') return timestamp;
		if (!anyHmacMatches(signatures, keys, 'sha256', [`${stamps[0]}.`, request.rawBody], 'hex')) return signatureMismatch();
		return accept(eventId(request.rawBody));
	},
};
