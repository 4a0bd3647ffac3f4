// Verdict constructors, so every preset words its failures the same way.
import type { Verdict } from './types';

export function accept(deliveryId: string | null = null): Verdict {
	return { ok: true, deliveryId: deliveryId || null };
}

export function reject(reason: string): Verdict {
	return { ok: false, status: 401, reason };
}

export function missingHeader(name: string): Verdict {
	return reject(`missing ${name} header`);
}

export function signatureMismatch(): Verdict {
	return reject('signature does not match');
}

/** The endpoint cannot accept anyone; deliberately vague about which setting is wrong. */
export function notConfigured(): Verdict {
	return { ok: false, status: 403, reason: 'endpoint authentication is not configured' };
}
