// Meta (WhatsApp Cloud API, Instagram, Messenger): POSTs carry `X-Hub-Signature-256` keyed with the
// app secret (the endpoint's secrets). The GET subscription handshake is answered in http/handshake.ts.
import type { Verifier } from './types';
import { verifyHubSignature } from './hub-signature';

export const meta: Verifier<unknown> = {
	verify(request, _config, secrets) {
		// Meta sends no delivery id header; events carry their own ids inside the body.
		return verifyHubSignature(request, secrets, null);
	},
};
