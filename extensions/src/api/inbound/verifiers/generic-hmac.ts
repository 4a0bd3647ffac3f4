// A configurable signed-body scheme for providers without a preset of their own.
import { HMAC_ALGORITHMS, HMAC_ENCODINGS } from '../../../shared/inbound-endpoint';
import type { HmacConfig } from '../../../shared/inbound-endpoint';
import type { Verifier } from './types';
import { anyHmacMatches } from './hmac';
import { checkTimestamp, toleranceOf } from './timestamp';
import { usableSecrets } from './usable-secrets';
import { accept, missingHeader, notConfigured, reject, signatureMismatch } from './verdict';

export type { HmacConfig };

/** The stored settings are JSON; anything unexpected disables the endpoint rather than weakening it. */
function isValidConfig(config: HmacConfig | null | undefined): config is HmacConfig {
	return (
		typeof config === 'object' && config !== null &&
		typeof config.header === 'string' && config.header !== '' &&
		(HMAC_ALGORITHMS as readonly unknown[]).includes(config.algorithm) &&
		(HMAC_ENCODINGS as readonly unknown[]).includes(config.encoding) &&
		(config.prefix === undefined || config.prefix === null || typeof config.prefix === 'string') &&
		(config.timestampHeader === undefined || config.timestampHeader === null || typeof config.timestampHeader === 'string')
	);
}

export const genericHmac: Verifier<HmacConfig> = {
	verify(request, config, secrets, now = Date.now()) {
		const keys = usableSecrets(secrets);
		if (keys.length === 0 || !isValidConfig(config)) return notConfigured();
		const header = request.headers[config.header.toLowerCase()];
		if (!header) return missingHeader(config.header);
		const prefix = config.prefix ?? '';
		if (!header.startsWith(prefix)) return reject(`malformed ${config.header} header`);
		let received = header.slice(prefix.length).trim();
		// Hex is case-insensitive; base64 is not.
		if (config.encoding === 'hex') received = received.toLowerCase();
		const parts: (string | Buffer)[] = [request.rawBody];
		if (config.timestampHeader) {
			const timestampValue = request.headers[config.timestampHeader.toLowerCase()];
			if (!timestampValue) return missingHeader(config.timestampHeader);
			const timestamp = checkTimestamp(timestampValue, config.timestampHeader, toleranceOf(config.toleranceSeconds), now);
			if (typeof timestamp !== 'number') return timestamp;
			parts.unshift(`${timestampValue}.`);
		}
		if (!anyHmacMatches([received], keys, config.algorithm, parts, config.encoding)) return signatureMismatch();
		return accept(config.deliveryIdHeader ? request.headers[config.deliveryIdHeader.toLowerCase()] ?? null : null);
	},
};
