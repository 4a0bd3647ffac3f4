// Inbound verification secrets at rest: one sealed JSON list per endpoint, each secret with an
// optional expiry so a rotated-out secret keeps working for the overlap, like outgoing ones.
import { randomBytes } from 'node:crypto';
import type { AuthPreset } from '../../../shared/inbound-endpoint';
import { isProviderSecretPreset } from '../../../shared/validate-endpoint';
import { generateSecret } from '../../outbound/transport/signing';
import type { SecretBox } from '../../lib/secret-box';

export interface StoredSecret {
	value: string;
	/** Epoch milliseconds after which the secret no longer verifies; null: no end. */
	expires: number | null;
}

export function sealSecrets(box: SecretBox, secrets: StoredSecret[]): string | null {
	return secrets.length === 0 ? null : box.seal(JSON.stringify(secrets));
}

/** The stored list; throws when the value cannot be decrypted (another SECRET, tampering). */
export function openSecrets(box: SecretBox, sealed: unknown): StoredSecret[] {
	if (typeof sealed !== 'string' || sealed === '') return [];
	const list: unknown = JSON.parse(box.open(sealed));
	if (!Array.isArray(list)) return [];
	return list.filter((entry): entry is StoredSecret => typeof entry?.value === 'string' && (entry.expires === null || typeof entry.expires === 'number'));
}

export function unexpired(secrets: StoredSecret[], now: number): string[] {
	return secrets.filter((secret) => secret.expires === null || secret.expires > now).map((secret) => secret.value);
}

/**
 * A fresh secret in the form the preset's callers expect, or null when the provider issues it
 * (Stripe, Shopify, Slack) or the preset has none.
 */
export function generateEndpointSecret(preset: AuthPreset): string | null {
	if (preset === 'none' || isProviderSecretPreset(preset)) return null;
	if (preset === 'standard_webhooks') return generateSecret(24);
	if (preset === 'basic') return `webhook:${randomBytes(18).toString('base64url')}`;
	if (preset === 'api_key') return randomBytes(24).toString('base64url');
	return randomBytes(32).toString('hex');
}
