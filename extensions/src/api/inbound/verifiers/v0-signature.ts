// The `v0` scheme Slack and Zoom share: `<signature header>: v0=<hex HMAC-SHA256(secret,
// "v0:" + timestamp + ":" + body)>` with the timestamp in a header of its own.
import type { InboundRequest, Verdict } from './types';
import { safeEqual } from './constant-time';
import { hmac, anyHmacMatches } from './hmac';
import { checkTimestamp, toleranceOf } from './timestamp';
import { usableSecrets } from './usable-secrets';
import { accept, missingHeader, notConfigured, reject, signatureMismatch } from './verdict';

export interface V0Headers {
	/** Display names; requests are read in lower case. */
	signature: string;
	timestamp: string;
}

const VERSION = 'v0';

function signedParts(timestamp: string, body: Buffer): (string | Buffer)[] {
	return [`${VERSION}:${timestamp}:`, body];
}

export function verifyV0(request: InboundRequest, names: V0Headers, toleranceSeconds: unknown, secrets: string[], now: number): Verdict {
	const keys = usableSecrets(secrets);
	if (keys.length === 0) return notConfigured();
	const signature = request.headers[names.signature.toLowerCase()];
	if (!signature) return missingHeader(names.signature);
	const timestampValue = request.headers[names.timestamp.toLowerCase()];
	if (!timestampValue) return missingHeader(names.timestamp);
	if (!signature.startsWith(`${VERSION}=`)) return reject(`malformed ${names.signature} header`);
	const timestamp = checkTimestamp(timestampValue, names.timestamp, toleranceOf(toleranceSeconds), now);
	if (typeof timestamp !== 'number') return timestamp;
	const received = signature.slice(VERSION.length + 1).toLowerCase();
	if (!anyHmacMatches([received], keys, 'sha256', signedParts(timestampValue, request.rawBody), 'hex')) return signatureMismatch();
	return accept();
}

/** The secret that signed an already verified request (the newest first during a rotation). */
export function v0SigningSecret(request: InboundRequest, names: V0Headers, secrets: string[]): string | null {
	const signature = (request.headers[names.signature.toLowerCase()] ?? '').slice(VERSION.length + 1).toLowerCase();
	const timestamp = request.headers[names.timestamp.toLowerCase()] ?? '';
	return usableSecrets(secrets).find((secret) => safeEqual(hmac('sha256', secret, signedParts(timestamp, request.rawBody), 'hex'), signature)) ?? null;
}
