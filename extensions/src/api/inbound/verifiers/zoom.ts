// Zoom: `x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:" + x-zm-request-timestamp + ":" + body)>`,
// the same scheme as Slack. The endpoint.url_validation handshake is signed the same way.
import type { Verifier } from './types';
import { verifyV0, type V0Headers } from './v0-signature';

export interface ZoomConfig {
	toleranceSeconds?: number;
}

export const ZOOM_HEADERS: V0Headers = { signature: 'x-zm-signature', timestamp: 'x-zm-request-timestamp' };

export const zoom: Verifier<ZoomConfig> = {
	verify(request, config, secrets, now = Date.now()) {
		return verifyV0(request, ZOOM_HEADERS, config?.toleranceSeconds, secrets, now);
	},
};
