// Standard Webhooks (what this extension sends), also under Svix's `svix-*` header names,
// which carry the same scheme. Reuses the outbound signer so both sides cannot drift apart.
import { verifySignatureHeader } from '../../outbound/transport/signing';
import type { InboundRequest, Verifier } from './types';
import { checkTimestamp, toleranceOf } from './timestamp';
import { usableSecrets } from './usable-secrets';
import { accept, missingHeader, notConfigured, signatureMismatch } from './verdict';

export interface StandardWebhooksConfig {
	toleranceSeconds?: number;
}

/** `webhook-*` when the request uses any of those names, else `svix-*`. */
function headerPrefix(request: InboundRequest): 'webhook' | 'svix' {
	const { headers } = request;
	if (headers['webhook-id'] !== undefined || headers['webhook-timestamp'] !== undefined || headers['webhook-signature'] !== undefined) return 'webhook';
	if (headers['svix-id'] !== undefined || headers['svix-timestamp'] !== undefined || headers['svix-signature'] !== undefined) return 'svix';
	return 'webhook';
}

export const standardWebhooks: Verifier<StandardWebhooksConfig> = {
	verify(request, config, secrets, now = Date.now()) {
		const keys = usableSecrets(secrets);
		if (keys.length === 0) return notConfigured();
		const prefix = headerPrefix(request);
		const names = { id: `${prefix}-id`, timestamp: `${prefix}-timestamp`, signature: `${prefix}-signature` };
		const id = request.headers[names.id];
		if (!id) return missingHeader(names.id);
		const timestampValue = request.headers[names.timestamp];
		if (!timestampValue) return missingHeader(names.timestamp);
		const signature = request.headers[names.signature];
		if (!signature) return missingHeader(names.signature);
		const timestamp = checkTimestamp(timestampValue, names.timestamp, toleranceOf(config?.toleranceSeconds), now);
		if (typeof timestamp !== 'number') return timestamp;
		if (!verifySignatureHeader(signature, keys, id, timestamp, request.rawBody)) return signatureMismatch();
		return accept(id);
	},
};
