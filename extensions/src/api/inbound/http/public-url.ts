// The full URL a provider requested, for schemes that sign it (Twilio). PUBLIC_URL says where
// Directus is published; without an absolute one, the request's own protocol and host are used,
// and X-Forwarded-Proto/-Host only when Directus trusts the proxy the request came through
// (IP_TRUST_PROXY, Express's `trust proxy`), so a caller cannot choose the URL that is checked.
import type { Request } from 'express';

type TrustFn = (address: string | undefined, hop: number) => boolean;

function firstValue(header: string | string[] | undefined): string | undefined {
	const value = Array.isArray(header) ? header[0] : header;
	return value?.split(',')[0]?.trim() || undefined;
}

export function requestedUrl(req: Request, publicUrl: string | undefined): string {
	const path = req.originalUrl ?? req.url;
	if (typeof publicUrl === 'string' && /^https?:\/\//i.test(publicUrl)) return `${publicUrl.replace(/\/+$/, '')}${path}`;
	const trust = req.app?.get('trust proxy fn') as TrustFn | undefined;
	const trusted = typeof trust === 'function' && trust(req.socket.remoteAddress, 0);
	// Express's req.protocol already follows X-Forwarded-Proto exactly when the proxy is trusted.
	const host = (trusted ? firstValue(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host ?? 'localhost';
	return `${req.protocol}://${host}${path}`;
}
