// Twilio: `X-Twilio-Signature` = base64 HMAC-SHA1(auth token, full URL + the POST parameters sorted
// by name, each as name + value). JSON bodies are signed through the URL instead: its `bodySHA256`
// query parameter holds the hex SHA-256 of the body. Like Twilio's own validateRequest, the URL is
// tried with and without an explicit port, since Twilio signs either form.
import { createHash } from 'node:crypto';
import type { InboundRequest, Verifier } from './types';
import { safeEqual } from './constant-time';
import { anyHmacMatches } from './hmac';
import { usableSecrets } from './usable-secrets';
import { accept, missingHeader, notConfigured, reject, signatureMismatch } from './verdict';

const FORM = 'application/x-www-form-urlencoded';

/** The URL as given and with the port dropped or made explicit. */
function urlForms(url: string): string[] {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return [url];
	}
	const withoutPort = new URL(parsed);
	withoutPort.port = '';
	// URL drops a port that is the scheme's default, so the explicit form is written out.
	const standard = parsed.protocol === 'https:' ? '443' : '80';
	const portForm = parsed.port ? parsed.toString() : `${parsed.protocol}//${parsed.host}:${standard}${parsed.pathname}${parsed.search}`;
	return [...new Set([url, withoutPort.toString(), portForm])];
}

/** Form parameters as Twilio signs them: names sorted, each value (repeats deduplicated, sorted) after its name. */
function signedParameters(body: Buffer): string {
	const values = new Map<string, string[]>();
	for (const [name, value] of new URLSearchParams(body.toString('utf8'))) values.set(name, [...(values.get(name) ?? []), value]);
	return [...values.keys()].sort().map((name) => [...new Set(values.get(name))].sort().map((value) => name + value).join('')).join('');
}

function isForm(request: InboundRequest): boolean {
	return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === FORM;
}

export const twilio: Verifier<unknown> = {
	verify(request, _config, secrets) {
		const keys = usableSecrets(secrets);
		if (keys.length === 0) return notConfigured();
		const signature = request.headers['x-twilio-signature'];
		if (!signature) return missingHeader('X-Twilio-Signature');
		if (request.url === undefined) return notConfigured();
		let bodyHash: string | null = null;
		try {
			bodyHash = new URL(request.url).searchParams.get('bodySHA256');
		} catch {
			return reject('the request URL cannot be read');
		}
		// With bodySHA256 the URL alone is signed and the body must match the hash; otherwise form parameters are.
		const parameters = bodyHash === null && isForm(request) ? signedParameters(request.rawBody) : '';
		const matched = urlForms(request.url).map((url) => anyHmacMatches([signature], keys, 'sha1', [Buffer.from(url + parameters, 'utf8')], 'base64'));
		if (!matched.includes(true)) return signatureMismatch();
		if (bodyHash !== null && !safeEqual(bodyHash.toLowerCase(), createHash('sha256').update(request.rawBody).digest('hex'))) return reject('the body does not match bodySHA256');
		// Twilio sends I-Twilio-Idempotency-Token on retries of the same event.
		return accept(request.headers['i-twilio-idempotency-token'] ?? null);
	},
};
