// The contract every inbound authentication preset implements. Verifiers never throw for bad
// input: the request and the stored configuration are both untrusted, so every failure is a verdict.
import type { JWTVerifyGetKey } from 'jose';

export interface InboundRequest {
	method: string;
	/** Header names in lower case. */
	headers: Record<string, string | undefined>;
	query: Record<string, string | string[] | undefined>;
	/** Exactly the bytes received; signatures are computed over these, never over re-serialised JSON. */
	rawBody: Buffer;
	/** The full URL as the caller requested it (http/public-url.ts), for schemes that sign it (Twilio). */
	url?: string;
}

/**
 * `reason` is shown to the caller, so it never contains a secret or an expected signature.
 * 401: the request's credentials are missing or wrong. 403: the endpoint itself cannot
 * authenticate anyone (no usable secret or invalid settings), whatever the caller sends.
 */
export type Verdict =
	| { ok: true; deliveryId: string | null }
	| { ok: false; status: 401 | 403; reason: string };

export interface Verifier<C> {
	/**
	 * `secrets` holds every currently valid secret (rotation: any may match).
	 * `now` is in milliseconds like `Date.now()`, its default; tests pass a fixed clock.
	 */
	verify(request: InboundRequest, config: C, secrets: string[], now?: number): Verdict;
}

/** What a verifier may need from the running extension besides the request (only jwt does). */
export interface VerifierServices {
	/** Key lookups for JWKS URLs, fetched through the SSRF guard and cached. */
	jwks?: { keysAt(url: string): JWTVerifyGetKey };
}

/** A verifier that has to wait (fetching keys): the handler awaits every verdict. */
export interface AsyncVerifier<C> {
	verify(request: InboundRequest, config: C, secrets: string[], now?: number, services?: VerifierServices): Promise<Verdict>;
}
