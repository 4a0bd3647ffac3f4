// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`.
import type { Verifier } from './types';
import { verifyHubSignature } from './hub-signature';

export const github: Verifier<unknown> = {
	verify(request, _config, secrets) {
		return verifyHubSignature(request, secrets, request.headers['x-github-delivery'] ?? null);
	},
};
