// Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(app client secret, body)>`.
import type { Verifier } from './types';
import { anyHmacMatches } from './hmac';
import { usableSecrets } from './usable-secrets';
import { accept, missingHeader, notConfigured, signatureMismatch } from './verdict';

export const shopify: Verifier<unknown> = {
	verify(request, _config, secrets) {
		const keys = usableSecrets(secrets);
		if (keys.length === 0) return notConfigured();
		const header = request.headers['x-shopify-hmac-sha256'];
		if (!header) return missingHeader('X-Shopify-Hmac-Sha256');
		if (!anyHmacMatches([header.trim()], keys, 'sha256', [request.rawBody], 'base64')) return signatureMismatch();
		return accept(request.headers['x-shopify-webhook-id'] ?? null);
	},
};
