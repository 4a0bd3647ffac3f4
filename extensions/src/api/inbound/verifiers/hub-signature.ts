// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`, the header GitHub and Meta share.
import type { InboundRequest, Verdict } from './types';
import { anyHmacMatches } from './hmac';
import { usableSecrets } from './usable-secrets';
import { accept, missingHeader, notConfigured, reject, signatureMismatch } from './verdict';

const PREFIX = 'sha256=';

export function verifyHubSignature(request: InboundRequest, secrets: string[], deliveryId: string | null): Verdict {
	const keys = usableSecrets(secrets);
	if (keys.length === 0) return notConfigured();
	const header = request.headers['x-hub-signature-256'];
	if (!header) return missingHeader('X-Hub-Signature-256');
	if (!header.startsWith(PREFIX)) return reject('malformed X-Hub-Signature-256 header');
	// Hex is case-insensitive; node produces lower case.
	const received = header.slice(PREFIX.length).toLowerCase();
	if (!anyHmacMatches([received], keys, 'sha256', [request.rawBody], 'hex')) return signatureMismatch();
	return accept(deliveryId);
}
