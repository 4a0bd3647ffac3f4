// HTTP Basic authentication (RFC 7617). Each secret is a `user:password` pair.
import type { Verifier } from './types';
import { matchesAnySecret } from './secret-match';
import { usableSecrets } from './usable-secrets';
import { accept, missingHeader, notConfigured, reject } from './verdict';

const BASIC = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i;

export const basicAuth: Verifier<unknown> = {
	verify(request, _config, secrets) {
		// A pair without a colon cannot be sent as Basic credentials.
		const pairs = usableSecrets(secrets).filter((secret) => secret.includes(':'));
		if (pairs.length === 0) return notConfigured();
		const header = request.headers.authorization;
		if (header === undefined || header === '') return missingHeader('Authorization');
		const match = BASIC.exec(header);
		if (!match) return reject('Authorization header does not hold Basic credentials');
		const credentials = Buffer.from(match[1]!, 'base64').toString('utf8');
		if (!credentials.includes(':')) return reject('Authorization header does not hold Basic credentials');
		if (!matchesAnySecret(credentials, pairs)) return reject('credentials do not match');
		return accept();
	},
};
