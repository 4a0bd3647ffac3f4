// What an inbound endpoint may answer with. Its answer is served from the Directus origin, which the
// app's own CSP counts as 'self': an HTML or script answer (or a header that sets cookies, redirects,
// or relaxes the origin's policies) would run with the rights of whoever opens the link. So only
// passive types and headers without such power are allowed; the handler also sends nosniff and a
// sandboxing CSP with every answer, which covers XML (XSLT, XHTML namespaces) too.

/** Sent with every inbound answer, refusals included. */
export const INBOUND_SECURITY_HEADERS: readonly (readonly [string, string])[] = [
	['x-content-type-options', 'nosniff'],
	['content-security-policy', "default-src 'none'; sandbox; frame-ancestors 'none'"],
];

/** The answer type when a stored one is no longer allowed. */
export const FALLBACK_RESPONSE_TYPE = 'text/plain; charset=utf-8';

const PASSIVE_TYPES = new Set(['application/json', 'text/json', 'text/plain', 'application/xml', 'text/xml', 'application/x-www-form-urlencoded']);

/** The media type of a Content-Type value, lower-cased, without parameters. */
function mediaType(contentType: string): string {
	return contentType.split(';', 1)[0]!.trim().toLowerCase();
}

/** True for JSON (+json too), plain text, XML and form types: what browsers never run. */
export function isPassiveResponseType(contentType: string): boolean {
	const type = mediaType(contentType);
	return PASSIVE_TYPES.has(type) || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

// Headers that set state on the origin (cookies, caches, workers, reporting), move the browser
// elsewhere, relax or replace the origin's protections, or belong to the connection.
const REFUSED_HEADERS = new Set([
	'set-cookie', 'set-cookie2', 'x-content-type-options', 'refresh', 'location', 'link', 'content-disposition',
	'strict-transport-security', 'x-frame-options', 'permissions-policy', 'feature-policy', 'referrer-policy',
	'clear-site-data', 'origin-agent-cluster', 'service-worker-allowed', 'x-xss-protection', 'x-permitted-cross-domain-policies',
	'www-authenticate', 'proxy-authenticate', 'alt-svc', 'nel', 'report-to', 'reporting-endpoints', 'accept-ch', 'critical-ch',
	'document-policy', 'require-document-policy', 'speculation-rules', 'supports-loading-mode', 'sourcemap', 'x-sourcemap',
	'timing-allow-origin', 'x-dns-prefetch-control', 'x-webhook-duplicate',
	'content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer', 'te',
	'proxy-connection', 'proxy-authorization',
]);
const REFUSED_PREFIXES = ['content-security-policy', 'access-control-', 'cross-origin-', 'sec-'];

/** Why an endpoint may not send this response header, or null when it may. */
export function refusedResponseHeader(name: string): string | null {
	const lower = name.toLowerCase();
	if (lower === 'content-type') return 'set the content type with response_content_type';
	if (REFUSED_HEADERS.has(lower) || REFUSED_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
		return `${JSON.stringify(name)} is not allowed: inbound answers are served from the Directus origin and may not set cookies, redirect, or change its security policies`;
	}
	return null;
}
