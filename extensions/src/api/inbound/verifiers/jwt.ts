// A bearer JWT (`Authorization: Bearer <token>`), checked with jose: the algorithm must be in the
// endpoint's allow list (never `none`), HS* are keyed with the endpoint's secrets, the others with
// the configured PEM public key or the keys at the JWKS URL; `exp` is required, `iss`/`aud` are
// checked when configured. Keys are chosen by the algorithm's family, so a public key can never be
// used as an HMAC secret.
import { decodeProtectedHeader, errors, importSPKI, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { JWT_ALGORITHMS, type JwtConfig } from '../../../shared/inbound-endpoint';
import type { AsyncVerifier, Verdict } from './types';
import { usableSecrets } from './usable-secrets';
import { accept, missingHeader, notConfigured, reject } from './verdict';

const BEARER = /^Bearer\s+(\S+)$/i;
// Clocks of issuers and Directus differ a little; a token is not refused for seconds.
const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_TOKEN_LENGTH = 16 * 1024;
const MAX_CACHED_KEYS = 100;
const publicKeys = new Map<string, Promise<CryptoKey>>();

/** Imported once per key and algorithm; a key that does not import fails every request alike. */
function publicKeyFor(pem: string, algorithm: string): Promise<CryptoKey> {
	const id = `${algorithm}\n${pem}`;
	let key = publicKeys.get(id);
	if (key === undefined) {
		// Keys of replaced config are never used again: a bounded cache, simply restarted.
		if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.clear();
		key = importSPKI(pem, algorithm);
		publicKeys.set(id, key);
	}
	return key;
}

function why(error: unknown): Verdict {
	if (error instanceof errors.JWTExpired) return reject('the token has expired');
	if (error instanceof errors.JWTClaimValidationFailed) return reject(`the token's ${error.claim} claim is not accepted`);
	if (error instanceof errors.JWKSNoMatchingKey) return reject('no signing key matches the token');
	if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return reject('the token signature does not verify');
	// Fetch failures, refused JWKS URLs and keys that do not import: the caller cannot fix these.
	return reject('the signing keys could not be fetched or read');
}

export const jwt: AsyncVerifier<JwtConfig> = {
	async verify(request, config, secrets, now = Date.now(), services) {
		const allowed = (Array.isArray(config?.algorithms) ? config.algorithms : []).filter((algorithm) => (JWT_ALGORITHMS as readonly string[]).includes(algorithm));
		if (allowed.length === 0) return notConfigured();
		const authorization = request.headers.authorization;
		if (!authorization) return missingHeader('Authorization');
		const token = BEARER.exec(authorization)?.[1];
		if (token === undefined || token.length > MAX_TOKEN_LENGTH) return reject('expected Authorization: Bearer <JWT>');
		let algorithm: unknown;
		try {
			algorithm = decodeProtectedHeader(token).alg;
		} catch {
			return reject('malformed JWT');
		}
		if (typeof algorithm !== 'string' || !(allowed as string[]).includes(algorithm)) return reject(`the token's algorithm is not allowed (use ${allowed.join(', ')})`);
		const options: JWTVerifyOptions = {
			algorithms: [algorithm],
			requiredClaims: ['exp'],
			clockTolerance: CLOCK_TOLERANCE_SECONDS,
			currentDate: new Date(now),
			...(config.issuer ? { issuer: config.issuer } : {}),
			...(config.audience ? { audience: config.audience } : {}),
		};
		try {
			if (algorithm.startsWith('HS')) {
				const keys = usableSecrets(secrets);
				if (keys.length === 0) return notConfigured();
				let failure: unknown = null;
				// Every secret is tried (rotation); the first that verifies wins.
				for (const secret of keys) {
					try {
						const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), options);
						return accept(typeof payload.jti === 'string' ? payload.jti : null);
					} catch (error) {
						failure = error;
					}
				}
				return why(failure);
			}
			let key: CryptoKey | JWTVerifyGetKey;
			if (config.publicKey) key = await publicKeyFor(config.publicKey, algorithm);
			else if (config.jwksUrl && services?.jwks) key = services.jwks.keysAt(config.jwksUrl);
			else return notConfigured();
			const { payload } = await jwtVerify(token, key as CryptoKey, options);
			return accept(typeof payload.jti === 'string' ? payload.jti : null);
		} catch (error) {
			return why(error);
		}
	},
};
