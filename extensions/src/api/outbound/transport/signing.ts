// Standard Webhooks signing (https://www.standardwebhooks.com): receivers verify deliveries with
// any Standard Webhooks library. While a secret is being rotated a message carries one signature
// per secret, so receivers that still know only the old secret keep accepting it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SECRET_MAX_BYTES, SECRET_MIN_BYTES, SECRET_PREFIX } from '../../../shared/signing-secret';

const SIGNATURE_VERSION = 'v1';

export interface WebhookSignatureInput {
	id: string;
	/** Whole unix seconds. */
	timestamp: number;
	/** Exactly the bytes that will be sent. */
	body: string | Uint8Array;
	/** Every secret currently valid; the first is the newest. */
	secrets: readonly string[];
}

export function generateSecret(bytes = 32): string {
	if (!Number.isInteger(bytes) || bytes < SECRET_MIN_BYTES || bytes > SECRET_MAX_BYTES) {
		throw new RangeError(`a webhook secret must have ${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES} random bytes`);
	}
	return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/** The HMAC key: the base64 part of the secret, with or without its `whsec_` prefix. */
export function secretKey(secret: string): Buffer {
	const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
	const key = Buffer.from(encoded, 'base64');
	// An empty HMAC key would sign with nothing secret at all.
	if (key.length === 0) throw new Error('the webhook signing secret is empty');
	return key;
}

function digest(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): string {
	if (!Number.isSafeInteger(timestamp)) throw new TypeError('the webhook timestamp must be whole unix seconds');
	return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/** One `v1,<base64 HMAC-SHA256>` signature of `${id}.${timestamp}.${body}`. */
export function sign(secret: string, id: string, timestamp: number, body: string | Uint8Array): string {
	return `${SIGNATURE_VERSION},${digest(secretKey(secret), id, timestamp, body)}`;
}

/** The `webhook-signature` value: one signature per secret, space separated. */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string | Uint8Array): string {
	// An unsigned delivery would be rejected by every receiver; better to fail loudly here.
	if (secrets.length === 0) throw new Error('the webhook has no usable signing secret');
	return secrets.map((secret) => sign(secret, id, timestamp, body)).join(' ');
}

function sameText(a: string, b: string): boolean {
	const left = Buffer.from(a);
	const right = Buffer.from(b);
	return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * True when any `v1` signature in the header matches any of the secrets. Other versions are
 * skipped, as the spec asks, so future schemes can be sent alongside.
 */
export function verifySignatureHeader(header: string, secrets: readonly string[], id: string, timestamp: number, body: string | Uint8Array): boolean {
	if (typeof header !== 'string' || !Number.isSafeInteger(timestamp)) return false;
	const received = header
		.split(' ')
		.filter((entry) => entry.startsWith(`${SIGNATURE_VERSION},`))
		.map((entry) => entry.slice(SIGNATURE_VERSION.length + 1));
	if (received.length === 0) return false;
	let matched = false;
	for (const secret of secrets) {
		let expected: string;
		try {
			expected = digest(secretKey(secret), id, timestamp, body);
		} catch {
			continue;
		}
		// No early exit, so the time taken does not tell which signature matched.
		for (const signature of received) matched = sameText(signature, expected) || matched;
	}
	return matched;
}

export function webhookHeaders(input: WebhookSignatureInput): Record<string, string> {
	return {
		'webhook-id': input.id,
		'webhook-timestamp': String(input.timestamp),
		'webhook-signature': signatureHeader(input.secrets, input.id, input.timestamp, input.body),
	};
}
