// A shared key sent as-is in a header or query parameter: for callers that cannot sign.
import type { Verifier } from './types';
import { matchesAnySecret } from './secret-match';
import { usableSecrets } from './usable-secrets';
import { accept, missingHeader, notConfigured, reject } from './verdict';

export interface ApiKeyConfig {
	/** Header carrying the key; `x-api-key` when neither this nor `query` is set. `Authorization: Bearer <key>` is accepted besides. */
	header?: string;
	/** Query parameter carrying the key, used when no header is configured. */
	query?: string;
}

export const DEFAULT_API_KEY_HEADER = 'x-api-key';
const BEARER = /^Bearer\s+/i;

export const apiKey: Verifier<ApiKeyConfig> = {
	verify(request, config, secrets) {
		const keys = usableSecrets(secrets);
		if (keys.length === 0) return notConfigured();
		const queryName = typeof config?.query === 'string' && config.query !== '' ? config.query : null;
		const headerName = typeof config?.header === 'string' && config.header !== '' ? config.header : queryName ? null : DEFAULT_API_KEY_HEADER;
		// Whatever carrier is configured, `Authorization: Bearer <key>` is what callers naturally send.
		const authorization = request.headers.authorization;
		const bearer = authorization !== undefined && BEARER.test(authorization) ? authorization.replace(BEARER, '') : undefined;
		let presented: string | undefined;
		if (headerName) {
			presented = request.headers[headerName.toLowerCase()];
			if (headerName.toLowerCase() === 'authorization') presented = bearer ?? presented;
			else if ((presented === undefined || presented === '') && bearer !== undefined) presented = bearer;
			if (presented === undefined || presented === '') return missingHeader(headerName);
		} else if (queryName) {
			const value = request.query[queryName];
			// A repeated parameter is ambiguous; refusing it avoids checking one copy and using another.
			if (Array.isArray(value)) return reject(`repeated ${queryName} query parameter`);
			if ((value === undefined || value === '') && bearer !== undefined) presented = bearer;
			else if (value === undefined || value === '') return reject(`missing ${queryName} query parameter`);
			else presented = value;
		}
		if (presented === undefined || !matchesAnySecret(presented, keys)) return reject('API key does not match');
		return accept();
	},
};
