// JWKS URLs of jwt endpoints: one jose remote key set per URL (jose caches the keys and refetches on
// an unknown key id, with a cooldown), fetched through the SSRF guard with a timeout. A refused or
// failing fetch is logged here; the caller gets a 401 from the verifier.
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { Logger } from '../../lib/logger';
import type { SsrfGuard } from '../../outbound/transport/ssrf-guard';
import { guardedGet } from '../../outbound/transport/guarded-get';

const TIMEOUT_MS = 5_000;
const MAX_JWKS_BYTES = 256 * 1024;
const CACHE_MAX_AGE_MS = 10 * 60_000;
// URLs of endpoints since changed are dropped when the map is full.
const MAX_URLS = 200;

export class JwksSource {
	private readonly sets = new Map<string, JWTVerifyGetKey>();
	private readonly fetch: ReturnType<typeof guardedGet>;
	private readonly logger: Pick<Logger, 'warn'>;

	constructor(guard: SsrfGuard, logger: Pick<Logger, 'warn'>) {
		this.fetch = guardedGet(guard, MAX_JWKS_BYTES);
		this.logger = logger;
	}

	keysAt(url: string): JWTVerifyGetKey {
		let set = this.sets.get(url);
		if (set === undefined) {
			if (this.sets.size >= MAX_URLS) this.sets.clear();
			const fetchLogged = async (target: string, options: { headers: Headers; signal: AbortSignal }) => {
				try {
					const response = await this.fetch(target, options);
					if (response.status !== 200) this.logger.warn({ url: target, status: response.status }, '[webhooks] a JWKS URL of an inbound endpoint did not answer 200');
					return response;
				} catch (error) {
					this.logger.warn({ url: target, reason: error instanceof Error ? error.message : String(error) }, '[webhooks] a JWKS URL of an inbound endpoint could not be fetched');
					throw error;
				}
			};
			set = createRemoteJWKSet(new URL(url), { timeoutDuration: TIMEOUT_MS, cacheMaxAge: CACHE_MAX_AGE_MS, [customFetch]: fetchLogged });
			this.sets.set(url, set);
		}
		return set;
	}
}
