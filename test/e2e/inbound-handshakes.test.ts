// Provider handshakes against a real Directus: each answered exactly as the provider documents
// (their documented example values), only after the provider's own check, never stored, counted as
// outcome="handshake"; and the presets' events verified and stored.
import { createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const created: number[] = [];

interface Endpoint {
	id: number;
	url: string;
	collection: string;
	secret?: string;
	auth_config?: Record<string, unknown>;
}

async function createEndpoint(overrides: Record<string, unknown>): Promise<Endpoint> {
	const tag = randomBytes(4).toString('hex');
	const response = await api.post('/webhooks/endpoints', { name: `handshake ${tag}`, suffix: `handshake/${tag}`, ...overrides });
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	created.push(response.body.data.id);
	return response.body.data as Endpoint;
}

async function call(url: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
	const response = await fetch(url, { method: options.method ?? 'POST', body: options.body, headers: options.headers });
	return { status: response.status, headers: response.headers, text: await response.text() };
}

async function stored(endpoint: Endpoint): Promise<Record<string, any>[]> {
	const response = await api.get(`/items/${endpoint.collection}?sort=id&limit=-1`);
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	return response.body.data;
}

/** This endpoint's inbound_requests_total for an outcome (and reason), from a real scrape. */
async function counted(endpoint: Endpoint, outcome: string, reason?: string): Promise<number> {
	const text = await (await fetch(`${info.url}/webhooks/metrics`, { headers: { authorization: `Bearer ${info.token}` } })).text();
	const labels = [`endpoint="${endpoint.id}"`, `outcome="${outcome}"`, ...(reason ? [`reason="${reason}"`] : [])];
	const line = text.split('\n').find((entry) => entry.startsWith('directus_webhooks_inbound_requests_total{') && labels.every((label) => entry.includes(label)) && (reason !== undefined || !entry.includes('reason=')));
	return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

function expectEcho(answer: Awaited<ReturnType<typeof call>>, body: string, type = 'text/plain') {
	expect(answer.status, answer.text).toBe(200);
	expect(answer.text).toBe(body);
	expect(answer.headers.get('content-type')).toMatch(new RegExp(`^${type.replace('/', '\\/')}`));
	expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
}

const now = () => Math.floor(Date.now() / 1000);

afterEach(async () => {
	for (const id of created.splice(0)) await api.delete(`/webhooks/endpoints/${id}?drop_collection=true`);
});

describe('inbound handshakes: Slack', () => {
	it('answers url_verification with the challenge once the signature is verified, and stores nothing', async () => {
		const secret = randomBytes(16).toString('hex');
		const endpoint = await createEndpoint({ auth: 'slack', secrets: [secret] });
		// Slack's documented example event.
		const body = JSON.stringify({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
		const headers = (key: string) => {
			const timestamp = now();
			return { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${createHmac('sha256', key).update(`v0:${timestamp}:${body}`).digest('hex')}` };
		};
		expectEcho(await call(endpoint.url, { body, headers: headers(secret) }), '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
		// Unsigned or wrongly signed: no echo.
		const forged = await call(endpoint.url, { body, headers: headers('wrong') });
		expect(forged.status).toBe(401);
		expect(forged.text).not.toContain('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
		expect(await stored(endpoint)).toEqual([]);
		expect(await counted(endpoint, 'handshake')).toBe(1);
		expect(await counted(endpoint, 'refused', 'auth')).toBe(1);
		// The refused-call log shows the answered handshake beside the refusal; it counts only the refusal.
		const log = await until(async () => (await api.get(`/webhooks/endpoints/${endpoint.id}/refused`)).body, (body) => body.data?.length === 2);
		expect(log.data.map((entry: { kind: string; status: number }) => [entry.kind, entry.status])).toEqual([['auth', 401], ['handshake', 200]]);
		expect(log.meta.last_hour.count).toBe(1);
	});
});

describe('inbound handshakes: Meta', () => {
	it('answers GET hub.challenge only with the configured verify token, whatever methods the endpoint lists; never returns the token', async () => {
		const appSecret = randomBytes(16).toString('hex');
		const endpoint = await createEndpoint({ auth: 'meta', secrets: [appSecret], auth_config: { verifyToken: 'meatyhamhock' } });
		// Reads show the token sealed, never in clear.
		expect(JSON.stringify(endpoint)).not.toContain('meatyhamhock');
		const read = await api.get(`/webhooks/endpoints/${endpoint.id}`);
		expect(JSON.stringify(read.body)).not.toContain('meatyhamhock');
		// Meta's documented example request.
		const url = (token: string) => `${endpoint.url}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${token}`;
		expectEcho(await call(url('meatyhamhock'), { method: 'GET' }), '1158201444');
		const wrong = await call(url('other'), { method: 'GET' });
		expect(wrong.status).toBe(401);
		expect(wrong.text).not.toContain('1158201444');
		// A GET that is not a handshake is still refused by the endpoint's methods.
		expect((await call(endpoint.url, { method: 'GET' })).status).toBe(405);
		// Saving the config back as read keeps the token working.
		const saved = await api.patch(`/webhooks/endpoints/${endpoint.id}`, { auth_config: read.body.data.auth_config, name: 'renamed' });
		expect(saved.status, JSON.stringify(saved.body)).toBe(200);
		expectEcho(await call(url('meatyhamhock'), { method: 'GET' }), '1158201444');
		expect(await stored(endpoint)).toEqual([]);
		expect(await counted(endpoint, 'handshake')).toBe(2);
	});

	it('stores POSTs signed with the app secret in X-Hub-Signature-256, and refuses others', async () => {
		const appSecret = randomBytes(16).toString('hex');
		const endpoint = await createEndpoint({ auth: 'meta', secrets: [appSecret], auth_config: { verifyToken: 'vt-' + randomBytes(4).toString('hex') } });
		const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '0', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp' } }] }] });
		const sign = (key: string) => ({ 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', key).update(body).digest('hex')}` });
		expect((await call(endpoint.url, { body, headers: sign(appSecret) })).status).toBe(200);
		expect((await call(endpoint.url, { body, headers: sign('wrong') })).status).toBe(401);
		expect((await stored(endpoint)).map((row) => row.body.object)).toEqual(['whatsapp_business_account']);
	});

	it('is refused without a verify token: 400 naming it', async () => {
		const response = await api.post('/webhooks/endpoints', { name: 'meta', suffix: `handshake/${randomBytes(4).toString('hex')}`, auth: 'meta', secrets: ['s'] });
		expect(response.status).toBe(400);
		expect(JSON.stringify(response.body)).toContain('auth_config');
	});
});

describe('inbound handshakes: Zoom', () => {
	it('answers endpoint.url_validation with plainToken and encryptedToken when signed, and stores signed events', async () => {
		const secret = randomBytes(16).toString('hex');
		const endpoint = await createEndpoint({ auth: 'zoom', secrets: [secret] });
		const sign = (body: string, key = secret) => {
			const timestamp = now();
			return { 'content-type': 'application/json', 'x-zm-request-timestamp': String(timestamp), 'x-zm-signature': `v0=${createHmac('sha256', key).update(`v0:${timestamp}:${body}`).digest('hex')}` };
		};
		// Zoom's documented example validation request.
		const validation = JSON.stringify({ payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' }, event_ts: 1654503849680, event: 'endpoint.url_validation' });
		const answer = await call(endpoint.url, { body: validation, headers: sign(validation) });
		expect(answer.status, answer.text).toBe(200);
		expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
		expect(JSON.parse(answer.text)).toEqual({ plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: createHmac('sha256', secret).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex') });
		expect((await call(endpoint.url, { body: validation, headers: sign(validation, 'wrong') })).status).toBe(401);
		expect((await call(endpoint.url, { body: validation, headers: { 'content-type': 'application/json' } })).status).toBe(401);
		const event = JSON.stringify({ event: 'meeting.started', payload: { account_id: 'a', object: { id: '1' } } });
		expect((await call(endpoint.url, { body: event, headers: sign(event) })).status).toBe(200);
		expect((await stored(endpoint)).map((row) => row.body.event)).toEqual(['meeting.started']);
		expect(await counted(endpoint, 'handshake')).toBe(1);
	});
});

describe('inbound handshakes: Microsoft Graph', () => {
	it('echoes validationToken as text/plain, and stores notifications only with a matching clientState, never the clientState itself', async () => {
		const endpoint = await createEndpoint({ auth: 'microsoft_graph' });
		// The generated secret is the clientState to give Graph when subscribing.
		expect(typeof endpoint.secret).toBe('string');
		const token = 'Validation: Testing client application reachability for subscription Request-Id: 522a8e7e-096a-494c-aaf1-ac0dcfca45b7';
		expectEcho(await call(`${endpoint.url}?validationToken=${encodeURIComponent(token)}`, { headers: { 'content-type': 'text/plain' } }), token);
		// Active content is never reflected: an overlong or non-printable token is refused, not echoed.
		const hostile = '<script>alert(1)</script>\n';
		const refused = await call(`${endpoint.url}?validationToken=${encodeURIComponent(hostile)}`);
		expect(refused.status).toBe(401);
		expect(refused.text).not.toContain('<script>');
		expect((await call(`${endpoint.url}?validationToken=${'x'.repeat(1025)}`)).status).toBe(401);
		const notification = (clientState: string) => JSON.stringify({ value: [{ subscriptionId: '7f105c7d-2dc5-4530-97cd-4e7ae6534c07', subscriptionExpirationDateTime: '2026-12-31T00:00:00Z', changeType: 'created', resource: 'Users/x/Messages/y', clientState, tenantId: 't' }] });
		expect((await call(endpoint.url, { body: notification(endpoint.secret!), headers: { 'content-type': 'application/json' } })).status).toBe(200);
		expect((await call(endpoint.url, { body: notification('forged'), headers: { 'content-type': 'application/json' } })).status).toBe(401);
		const rows = await stored(endpoint);
		expect(rows.map((row) => row.body.value[0].changeType)).toEqual(['created']);
		// The clientState is the endpoint's secret: readers of the stored requests never see it.
		expect(rows[0]!.body.value[0].clientState).toBe('[redacted]');
		expect(JSON.stringify(rows)).not.toContain(endpoint.secret!);
		expect(await counted(endpoint, 'handshake')).toBe(1);
	});
});
