// Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + body)>`.
import type { Verifier } from './types';
import { verifyV0, type V0Headers } from './v0-signature';

export interface SlackConfig {
	toleranceSeconds?: number;
}

export const SLACK_HEADERS: V0Headers = { signature: 'X-Slack-Signature', timestamp: 'X-Slack-Request-Timestamp' };

export const slack: Verifier<SlackConfig> = {
	verify(request, config, secrets, now = Date.now()) {
		// Slack has no delivery id header; retries are marked by X-Slack-Retry-Num instead.
		return verifyV0(request, SLACK_HEADERS, config?.toleranceSeconds, secrets, now);
	},
};
