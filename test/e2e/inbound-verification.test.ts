// Who may call an endpoint: the per-endpoint IP allow list, judged on the client address as
// Directus computes it (IP_TRUST_PROXY), for IPv4, IPv6 and CIDR ranges; Twilio signatures over the
// public URL, made with Twilio's own library; bearer JWTs made with jose (HS256, RS256 with a PEM
// key, ES256 from a JWKS URL fetched through the SSRF guard).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import twilioLibrary from 'twilio';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { DirectusProcess } from '../harness/directus.ts';
import { artifactsDir } from '../harness/stack.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const created: { client: ApiClient; id: number }[] = [];

interface Endpoint {
	id: number;
	url: string;
	suffix: string;
	collection: string;
	secret?: string;
}

async function createEndpoint(client: ApiClient, overrides: Record<string, unknown>): Promise<Endpoint> {
	const tag = randomBytes(4).toString('hex');
	const response = await client.post('/webhooks/endpoints', { name: `verification ${tag}`, suffix: `verification/${tag}`, ...overrides });
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	created.push({ client, id: response.body.data.id });
	return response.body.data as Endpoint;
}

async function call(url: string, headers: Record<string, string> = {}, body = '{}') {
	const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
	return { status: response.status, text: await response.text() };
}

async function storedCount(client: ApiClient, endpoint: Endpoint): Promise<number> {
	const response = await client.get(`/items/${endpoint.collection}?aggregate[count]=*`);
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	return Number(response.body.data[0].count);
}

afterEach(async () => {
	for (const { client, id } of created.splice(0)) await client.delete(`/webhooks/endpoints/${id}?drop_collection=true`);
});

describe('IP allow list (Directus not trusting a proxy: the socket address counts)', () => {
	it('stores requests from an allowed IPv4 range, refuses others with the auth status, and ignores X-Forwarded-For', async () => {
		const open = await createEndpoint(api, { ip_allow_list: ['127.0.0.0/8'] });
		expect((await call(open.url)).status).toBe(200);
		const closed = await createEndpoint(api, { ip_allow_list: ['10.0.0.0/8', '2001:db8::/32'], failure_statuses: { auth: 404 } });
		const refused = await call(closed.url);
		expect(refused.status).toBe(404);
		expect(refused.text).toContain('This address may not call this endpoint');
		// Directus does not trust the proxy here: a forged header changes nothing.
		expect((await call(closed.url, { 'x-forwarded-for': '10.1.2.3' })).status).toBe(404);
		expect(await storedCount(api, closed)).toBe(0);
		expect(await storedCount(api, open)).toBe(1);
	});

	it('is checked before credentials and handshakes: a refused address learns nothing more', async () => {
		const endpoint = await createEndpoint(api, { auth: 'microsoft_graph', ip_allow_list: ['192.0.2.1'] });
		const answer = await fetch(`${endpoint.url}?validationToken=probe`, { method: 'POST' });
		expect(answer.status).toBe(401);
		expect(await answer.text()).not.toContain('probe');
	});

	it('refuses bad entries with a 400 naming each of them', async () => {
		const response = await api.post('/webhooks/endpoints', {
			name: 'bad list', suffix: `verification/${randomBytes(4).toString('hex')}`,
			ip_allow_list: ['10.0.0.1', '10.0.0.256', 'example.com', '10.0.0.0/33', '2001:db8::/129', 'fe80::1%eth0', '::1'],
		});
		expect(response.status).toBe(400);
		const fields = (response.body.errors[0].extensions.errors as { field: string }[]).map((error) => error.field).sort();
		expect(fields).toEqual(['ip_allow_list[1]', 'ip_allow_list[2]', 'ip_allow_list[3]', 'ip_allow_list[4]', 'ip_allow_list[5]']);
	});
});

const FORM = 'application/x-www-form-urlencoded';
// Twilio's documented example parameters.
const SMS = { MessageSid: 'SM1234567890ABCDE', AccountSid: 'AC123', From: '+12349013030', To: '+18005551212', Body: 'Grüße ✓' };

describe('twilio', () => {
	it('stores form POSTs signed over the public URL (PUBLIC_URL) and the parameters, and refuses a wrong token or a changed parameter', async () => {
		const authToken = randomBytes(16).toString('hex');
		const endpoint = await createEndpoint(api, { auth: 'twilio', secrets: [authToken] });
		const url = `${endpoint.url}?tenant=a%20b`;
		const body = new URLSearchParams(SMS).toString();
		const signature = (key: string) => twilioLibrary.getExpectedTwilioSignature(key, url, SMS);
		expect((await call(url, { 'content-type': FORM, 'x-twilio-signature': signature(authToken) }, body)).status).toBe(200);
		expect((await call(url, { 'content-type': FORM, 'x-twilio-signature': signature('wrong') }, body)).status).toBe(401);
		expect((await call(url, { 'content-type': FORM, 'x-twilio-signature': signature(authToken) }, body.replace('AC123', 'AC124'))).status).toBe(401);
		expect((await call(endpoint.url, { 'content-type': FORM }, body)).status).toBe(401);
		expect(await storedCount(api, endpoint)).toBe(1);
	});

	it('stores JSON bodies signed through bodySHA256, and refuses a body that does not match it', async () => {
		const authToken = randomBytes(16).toString('hex');
		const endpoint = await createEndpoint(api, { auth: 'twilio', secrets: [authToken] });
		const body = JSON.stringify({ EventType: 'onMessageAdded', Body: 'hi' });
		const url = `${endpoint.url}?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
		const signature = twilioLibrary.getExpectedTwilioSignature(authToken, url, {});
		expect(twilioLibrary.validateRequestWithBody(authToken, signature, url, body)).toBe(true);
		expect((await call(url, { 'x-twilio-signature': signature }, body)).status).toBe(200);
		expect((await call(url, { 'x-twilio-signature': signature }, body.replace('hi', 'ho'))).status).toBe(401);
		expect(await storedCount(api, endpoint)).toBe(1);
	});
});

/** A token as issuers make them: iss, aud and a one-minute exp unless overridden. */
async function token(key: CryptoKey | Uint8Array, alg: string, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
	return new SignJWT({ sub: 'caller', ...claims })
		.setProtectedHeader({ alg, ...header })
		.setIssuer('https://issuer.example')
		.setAudience('directus-hooks')
		.setIssuedAt()
		.setExpirationTime(typeof claims.exp === 'number' ? claims.exp : '1m')
		.sign(key);
}

const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });

describe('jwt', () => {
	let jwks: Server;
	let jwksUrl = '';
	let jwksHits = 0;
	let esKeys: Awaited<ReturnType<typeof generateKeyPair>>;

	beforeAll(async () => {
		esKeys = await generateKeyPair('ES256');
		const published = { keys: [{ ...(await exportJWK(esKeys.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' }] };
		jwks = createServer((_req, res) => {
			jwksHits += 1;
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify(published));
		});
		await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
		const address = jwks.address();
		jwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/.well-known/jwks.json`;
	});

	afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

	it('HS256 with the endpoint secret: checks the signature, exp, iss and aud, and the algorithm allow list', async () => {
		const endpoint = await createEndpoint(api, { auth: 'jwt', auth_config: { algorithms: ['HS256'], issuer: 'https://issuer.example', audience: 'directus-hooks' } });
		const secret = new TextEncoder().encode(endpoint.secret!);
		expect((await call(endpoint.url, bearer(await token(secret, 'HS256')))).status).toBe(200);
		expect((await call(endpoint.url, bearer(await token(new TextEncoder().encode('wrong'), 'HS256')))).status).toBe(401);
		expect((await call(endpoint.url, bearer(await token(secret, 'HS256', { exp: Math.floor(Date.now() / 1000) - 120 })))).status).toBe(401);
		expect((await call(endpoint.url, bearer(await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://issuer.example').setAudience('directus-hooks').sign(secret)))).status).toBe(401);
		const otherAudience = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://issuer.example').setAudience('someone-else').setExpirationTime('1m').sign(secret);
		expect((await call(endpoint.url, bearer(otherAudience))).text).toContain("aud claim is not accepted");
		// Not allowed: another HMAC size, and unsigned tokens.
		expect((await call(endpoint.url, bearer(await token(secret, 'HS512')))).status).toBe(401);
		const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 60, iss: 'https://issuer.example', aud: 'directus-hooks' })).toString('base64url')}.`;
		expect((await call(endpoint.url, bearer(unsigned))).status).toBe(401);
		expect((await call(endpoint.url)).status).toBe(401);
		const [row] = (await api.get(`/items/${endpoint.collection}`)).body.data;
		expect(row.headers.authorization).toBe('[redacted]');
		expect(await storedCount(api, endpoint)).toBe(1);
	});

	it('RS256 with a PEM public key; a token signed with that public key as an HMAC secret is refused', async () => {
		const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
		const pem = await exportSPKI(publicKey);
		const endpoint = await createEndpoint(api, { auth: 'jwt', auth_config: { algorithms: ['RS256'], publicKey: pem } });
		expect((await call(endpoint.url, bearer(await token(privateKey, 'RS256')))).status).toBe(200);
		const other = await generateKeyPair('RS256');
		expect((await call(endpoint.url, bearer(await token(other.privateKey, 'RS256')))).status).toBe(401);
		// The classic algorithm confusion: HS256 keyed with the (public) PEM text.
		expect((await call(endpoint.url, bearer(await token(new TextEncoder().encode(pem), 'HS256')))).status).toBe(401);
		expect(await storedCount(api, endpoint)).toBe(1);
	});

	it('ES256 from a JWKS URL: fetched once and cached, unknown keys refused', async () => {
		const endpoint = await createEndpoint(api, { auth: 'jwt', auth_config: { algorithms: ['ES256'], jwksUrl } });
		const before = jwksHits;
		for (let index = 0; index < 3; index++) expect((await call(endpoint.url, bearer(await token(esKeys.privateKey, 'ES256', {}, { kid: 'es-1' })))).status).toBe(200);
		expect(jwksHits - before).toBe(1);
		const stranger = await generateKeyPair('ES256');
		expect((await call(endpoint.url, bearer(await token(stranger.privateKey, 'ES256', {}, { kid: 'es-1' })))).status).toBe(401);
		expect(await storedCount(api, endpoint)).toBe(3);
	});

	it('a JWKS URL the SSRF guard refuses gives the caller a clear 401 and the log a warning, never a 5xx', async () => {
		const endpoint = await createEndpoint(api, { auth: 'jwt', auth_config: { algorithms: ['ES256'], jwksUrl: 'http://169.254.169.254/latest/jwks.json' } });
		const answer = await call(endpoint.url, bearer(await token(esKeys.privateKey, 'ES256', {}, { kid: 'es-1' })));
		expect(answer.status).toBe(401);
		expect(answer.text).toContain('the signing keys could not be fetched or read');
		const warning = readFileSync(info.logFile, 'utf8').split('\n').find((line) => line.includes('a JWKS URL of an inbound endpoint could not be fetched'));
		// Refused by the guard before any connection, not merely unreachable.
		expect(warning).toContain('refused: 169.254.169.254');
		expect(await storedCount(api, endpoint)).toBe(0);
	});

	it('refuses bad jwt options with a 400 naming each', async () => {
		const response = await api.post('/webhooks/endpoints', {
			name: 'bad jwt', suffix: `verification/${randomBytes(4).toString('hex')}`, auth: 'jwt',
			auth_config: { algorithms: ['none', 'RS256'], jwksUrl: 'ftp://x', issuer: '' },
		});
		expect(response.status).toBe(400);
		const fields = (response.body.errors[0].extensions.errors as { field: string }[]).map((error) => error.field);
		expect(fields).toEqual(expect.arrayContaining(['auth_config.algorithms', 'auth_config.jwksUrl']));
		const keyless = await api.post('/webhooks/endpoints', { name: 'keyless', suffix: `verification/${randomBytes(4).toString('hex')}`, auth: 'jwt', auth_config: { algorithms: ['RS256'] } });
		expect(keyless.status).toBe(400);
		expect(JSON.stringify(keyless.body)).toContain('set exactly one of publicKey or jwksUrl');
	});
});

describe('behind a trusted proxy, on IPv6 and IPv4 (a second instance: IP_TRUST_PROXY=true, listening on ::, no absolute PUBLIC_URL)', () => {
	let second: DirectusProcess;
	let client: ApiClient;

	beforeAll(async () => {
		const dataDir = artifactsDir(`${info.kind}-ip-proxy`);
		// Just started, the sibling's event loop is busy: Directus's pressure limiter would answer 503.
		second = await DirectusProcess.create({ dataDir, env: { ...info.env, IP_TRUST_PROXY: 'true', HOST: '::', PRESSURE_LIMITER_ENABLED: 'false', PUBLIC_URL: '/' }, logFile: join(dataDir, 'directus.log') });
		await second.start();
		client = new ApiClient(second.url, info.token);
	}, 120_000);

	afterAll(async () => {
		for (const { client: owner, id } of created.splice(0)) await owner.delete(`/webhooks/endpoints/${id}?drop_collection=true`);
		await second?.stop();
	});

	const urlOf = (endpoint: Endpoint, host: string) => `http://${host}:${second.port}/webhooks/in/${endpoint.suffix}`;

	it('matches IPv6 addresses and ranges, over a real IPv6 connection and from X-Forwarded-For', async () => {
		const endpoint = await createEndpoint(client, { ip_allow_list: ['::1', '2001:db8:abcd::/48'] });
		expect((await call(urlOf(endpoint, '[::1]'))).status).toBe(200);
		expect((await call(urlOf(endpoint, '[::1]'), { 'x-forwarded-for': '2001:db8:abcd:12::7' })).status).toBe(200);
		expect((await call(urlOf(endpoint, '[::1]'), { 'x-forwarded-for': '2001:db8:abce::7' })).status).toBe(401);
		// An IPv4 caller (seen as ::ffff:127.0.0.1 on a dual-stack socket) is not ::1.
		expect((await call(urlOf(endpoint, '127.0.0.1'))).status).toBe(401);
		expect(await storedCount(client, endpoint)).toBe(2);
	});

	it('matches IPv4 ranges, including IPv4 callers on a dual-stack socket', async () => {
		const endpoint = await createEndpoint(client, { ip_allow_list: ['127.0.0.1', '198.51.100.0/24'] });
		expect((await call(urlOf(endpoint, '127.0.0.1'))).status).toBe(200);
		expect((await call(urlOf(endpoint, '127.0.0.1'), { 'x-forwarded-for': '198.51.100.200' })).status).toBe(200);
		expect((await call(urlOf(endpoint, '127.0.0.1'), { 'x-forwarded-for': '198.51.101.1' })).status).toBe(401);
		expect((await call(urlOf(endpoint, '[::1]'))).status).toBe(401);
		expect(await storedCount(client, endpoint)).toBe(2);
	});

	it('checks Twilio signatures over the URL the proxy was asked for (X-Forwarded-Proto/-Host)', async () => {
		const authToken = randomBytes(16).toString('hex');
		const endpoint = await createEndpoint(client, { auth: 'twilio', secrets: [authToken] });
		const publicUrl = `https://hooks.example.com/webhooks/in/${endpoint.suffix}`;
		const body = new URLSearchParams(SMS).toString();
		const headers = { 'content-type': FORM, 'x-twilio-signature': twilioLibrary.getExpectedTwilioSignature(authToken, publicUrl, SMS) };
		expect((await call(urlOf(endpoint, '127.0.0.1'), { ...headers, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' }, body)).status).toBe(200);
		// The URL Directus was really called on is not the one Twilio signed.
		expect((await call(urlOf(endpoint, '127.0.0.1'), headers, body)).status).toBe(401);
		expect(await storedCount(client, endpoint)).toBe(1);
	});
});
