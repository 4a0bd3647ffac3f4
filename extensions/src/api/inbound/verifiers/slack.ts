// Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + body)>`.
import type { Verifier } from './types';
import { anyHmacMatches } from './hmac';
import { checkTimestamp, toleranceOf } from './timestamp';
import { usableSecrets } from './usable-secrets';
import { accept, missingHeader, notConfigured, reject, signatureMismatch } from './verdict';

export interface SlackConfig {
	toleranceSeconds?: number;
}

const VERSION = 'v0';

export const slack: Verifier<SlackConfig> = {
	verify(request, config, secrets, now = Date.now()) {
		const keys = usableSecrets(secrets);
		if (keys.length === 0) return notConfigured();
		const signature = request.headers['x-slack-signature'];
		if (!signature) return missingHeader('X-Slack-Signature');
		const timestampValue = request.headers['x-slack-request-timestamp'];
		if (!timestampValue) return missingHeader('X-Slack-Request-Timestamp');
		if (!signature.startsWith(`${VERSION}=`)) return reject('malformed X-Slack-Signature header');
		const timestamp = checkTimestamp(timestampValue, 'X-Slack-Request-Timestamp', toleranceOf(config?.toleranceSeconds), now);
		if (typeof timestamp !== 'number') return timestamp;
		const received = signature.slice(VERSION.length + 1).toLowerCase();
		if (!anyHmacMatches([received], keys, 'sha256', [`${VERSION}:${timestampValue}:`, request.rawBody], 'hex')) return signatureMismatch();
		// Slack has no delivery id header; retries are marked by X-Slack-Retry-Num instead.
		return accept();
	},
};
