// Thousands of random requests (methods, headers, bodies, content types) against inbound
// endpoints: none may answer 5xx, and exactly the 2xx-answered requests are stored, each row whole,
// except provider handshakes, which are answered (with a body) and never stored.
import { createHmac, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { SignJWT } from 'jose';
import twilioLibrary from 'twilio';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { seededRandom } from '../support/seeded-random.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const REQUESTS = Number(process.env.FUZZ_INBOUND_REQUESTS ?? 2000);
const CONCURRENCY = 8;
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);

interface Target {
	id: number;
	path: string;
	collection: string;
	auth: string;
	secret?: string;
}

// Provider secrets these presets need; the verify token is Meta's.
const PROVIDER_SECRET = `fuzz-${randomBytes(8).toString('hex')}`;
const VERIFY_TOKEN = 'fuzz-verify-token';

const targets: Target[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

beforeAll(async () => {
	const tag = randomBytes(3).toString('hex');
	const configs = [
		{ name: 'fuzz open', suffix: `fuzz-${tag}/open`, methods: ['POST', 'PUT', 'GET'], max_body_bytes: 4096, dedupe_header: 'x-delivery' },
		{ name: 'fuzz strict', suffix: `fuzz-${tag}/strict`, strict: true, expected_headers: ['x-event'], expected_body: { id: 'x' }, response_body: '{"id": {{ item.id }}, "echo": "{{ request.body.id }}"}' },
		{ name: 'fuzz hmac', suffix: `fuzz-${tag}/hmac`, auth: 'github', rate_limit_per_minute: 100_000 },
		{ name: 'fuzz slack', suffix: `fuzz-${tag}/slack`, auth: 'slack', secrets: [PROVIDER_SECRET] },
		{ name: 'fuzz meta', suffix: `fuzz-${tag}/meta`, auth: 'meta', secrets: [PROVIDER_SECRET], auth_config: { verifyToken: VERIFY_TOKEN } },
		{ name: 'fuzz zoom', suffix: `fuzz-${tag}/zoom`, auth: 'zoom', secrets: [PROVIDER_SECRET] },
		{ name: 'fuzz graph', suffix: `fuzz-${tag}/graph`, auth: 'microsoft_graph', secrets: [PROVIDER_SECRET] },
		{ name: 'fuzz twilio', suffix: `fuzz-${tag}/twilio`, auth: 'twilio', secrets: [PROVIDER_SECRET] },
		{ name: 'fuzz jwt', suffix: `fuzz-${tag}/jwt`, auth: 'jwt', secrets: [PROVIDER_SECRET], auth_config: { algorithms: ['HS256'] }, ip_allow_list: ['127.0.0.0/8', '::1'] },
	];
	for (const config of configs) {
		const response = await api.post('/webhooks/endpoints', config);
		expect(response.status, JSON.stringify(response.body)).toBe(200);
		const { id, url, collection, secret } = response.body.data;
		targets.push({ id, path: new URL(url).pathname, collection, auth: config.auth ?? 'none', secret: secret ?? (config.secrets as string[] | undefined)?.[0] });
	}
});

afterAll(async () => {
	agent.destroy();
	for (const target of targets) await api.delete(`/webhooks/endpoints/${target.id}?drop_collection=true`);
});

/** The status, and whether the answer had a body type (handshakes do; these endpoints' stored answers do not). */
function send(method: string, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; typed: boolean }> {
	const { port, hostname } = new URL(info.url);
	return new Promise((resolve, reject) => {
		const req = request({ host: hostname, port: Number(port), method, path, headers: { ...headers, 'content-length': String(body.length) }, agent }, (res) => {
			res.resume();
			res.on('end', () => resolve({ status: res.statusCode ?? 0, typed: res.headers['content-type'] !== undefined }));
		});
		req.on('error', (error) => {
			// A refusal that closes the connection before the whole body is written is an answer, not a crash.
			if ((error as NodeJS.ErrnoException).code === 'EPIPE' || (error as NodeJS.ErrnoException).code === 'ECONNRESET') resolve({ status: -1, typed: false });
			else reject(error);
		});
		req.end(body);
	});
}

/** The test's seeded random, for the helpers below. */
let rand: () => number = Math.random;

/** Signs as the target's provider would, with the right secret most of the time. */
async function sign(target: Target, headers: Record<string, string>, body: Buffer, pathAndQuery: string, type: string): Promise<void> {
	if (!target.secret || rand() < 0.3) return;
	const key = rand() < 0.85 ? target.secret : 'wrong';
	const timestamp = String(Math.floor(Date.now() / 1000));
	const v0 = `v0=${createHmac('sha256', key).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
	if (target.auth === 'github' || target.auth === 'meta') headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
	if (target.auth === 'slack') Object.assign(headers, { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': v0 });
	if (target.auth === 'zoom') Object.assign(headers, { 'x-zm-request-timestamp': timestamp, 'x-zm-signature': v0 });
	if (target.auth === 'jwt') headers.authorization = `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1m').sign(new TextEncoder().encode(key))}`;
	if (target.auth === 'twilio') {
		const form = type.startsWith('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(body.toString('utf8'))) : {};
		headers['x-twilio-signature'] = twilioLibrary.getExpectedTwilioSignature(key, `${info.url}${pathAndQuery}`, form);
	}
}

const hostile = () => ['<script>alert(1)</script>', 'a\r\nset-cookie: x=1', 'x'.repeat(2000), '', '%00', '{"a":1}'][Math.floor(rand() * 6)]!;
/** Handshake queries with good and hostile values. */
const handshakeQueries: (() => string)[] = [
	() => `?hub.mode=subscribe&hub.verify_token=${rand() < 0.6 ? VERIFY_TOKEN : 'nope'}&hub.challenge=${encodeURIComponent(rand() < 0.6 ? '1158201444' : hostile())}`,
	() => `?hub.mode=${encodeURIComponent(hostile())}&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1&hub.challenge=2`,
	() => `?validationToken=${encodeURIComponent(rand() < 0.6 ? 'Validation: token 123' : hostile())}`,
	() => '?validationToken=a&validationToken=b',
];
/** Bodies shaped like the providers' handshakes and events, some of them broken. */
const providerBodies: ((target: Target) => Buffer)[] = [
	() => Buffer.from(JSON.stringify({ token: 't', challenge: rand() < 0.7 ? '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' : hostile(), type: 'url_verification' })),
	() => Buffer.from(JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: rand() < 0.7 ? 'qgg8vlvZRS6UYooatFL8Aw' : hostile() }, event_ts: 1 })),
	() => Buffer.from(JSON.stringify({ event: 'endpoint.url_validation', payload: null })),
	(target) => Buffer.from(JSON.stringify({ value: [{ clientState: rand() < 0.7 ? target.secret : 'forged', changeType: 'created' }] })),
	() => Buffer.from('{"value":[null, 1, "x"]}'),
	() => Buffer.from(new URLSearchParams({ MessageSid: 'SM1', Body: 'héllo', From: '+1' }).toString()),
];

describe('inbound fuzz', () => {
	it(`${REQUESTS} random requests: no 5xx, and exactly the accepted ones stored whole`, async () => {
		const random = seededRandom(SEED);
		rand = random;
		const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
		const methods = ['POST', 'POST', 'POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND'];
		const types = ['application/json', 'application/json; charset=latin1', 'application/vnd.x+json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=zz', 'multipart/form-data', 'text/plain', 'text/xml', 'application/octet-stream', 'image/png', '', ';;;', 'application/json; charset=nope'];
		const junk = (length: number) => Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
		const text = (length: number) => Array.from({ length }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join('');
		const bodies: (() => Buffer)[] = [
			() => Buffer.from(JSON.stringify({ id: text(8), n: random(), nested: { a: [1, 2, { b: text(4) }] } })),
			() => Buffer.from('{"id":'),
			() => Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":1},"id":"p"}'),
			() => Buffer.from(`a=${encodeURIComponent(text(10))}&a=2&__proto__=x`),
			() => Buffer.from('--zz\r\nContent-Disposition: form-data; name="f"\r\n\r\nvalue\r\n--zz\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\n\r\n\x00\x01\r\n--zz--'),
			() => Buffer.from('--zz\r\nbroken'),
			() => junk(Math.floor(random() * 600)),
			() => Buffer.from(text(Math.floor(random() * 300))),
			() => Buffer.alloc(0),
			() => Buffer.from(`"${'x'.repeat(5000)}"`),
			() => Buffer.from('<?xml version="1.0"?><a><b>1</b></a>'),
			() => Buffer.from('9'.repeat(400)),
		];
		// What each endpoint must end up storing: one row per accepted request, one per redelivered id.
		const expectedRows = new Map<number, Set<string>>(targets.map((target) => [target.id, new Set()]));
		const statuses = new Map<number, number>();
		let handshakes = 0;
		let next = 0;
		const worker = async () => {
			while (next < REQUESTS) {
				const index = (next += 1);
				const target = pick(targets);
				const headers: Record<string, string> = {};
				const type = pick(types);
				if (type !== '') headers['content-type'] = type;
				if (random() < 0.5) headers['x-event'] = text(5);
				if (random() < 0.3) headers['x-delivery'] = `d-${Math.floor(random() * 50)}`;
				if (random() < 0.2) headers[`x-${text(3).replace(/[^a-z]/gi, 'q')}`] = text(20);
				let query = random() < 0.3 ? `?${encodeURIComponent(text(4))}=${encodeURIComponent(text(6))}&q=1&q=2` : '';
				if (random() < 0.25) query = pick(handshakeQueries)();
				const body = random() < 0.3 ? pick(providerBodies)(target) : pick(bodies)();
				await sign(target, headers, body, `${target.path}${query}`, type);
				if (random() < 0.1) headers['x-hub-signature-256'] = text(30);
				const { status, typed } = await send(pick(methods), `${target.path}${query}`, headers, body);
				statuses.set(status, (statuses.get(status) ?? 0) + 1);
				expect(status, `seed ${SEED}`).toBeLessThan(500);
				const dedupes = target.path.endsWith('/open') && headers['x-delivery'] !== undefined;
				const handshake = status >= 200 && status < 300 && target.auth !== 'none' && typed;
				if (handshake) handshakes += 1;
				if (status >= 200 && status < 300 && !handshake) expectedRows.get(target.id)!.add(dedupes ? headers['x-delivery']! : `request ${index}`);
			}
		};
		await Promise.all(Array.from({ length: CONCURRENCY }, worker));
		// The mix must really exercise both sides.
		const ok = [...statuses].filter(([status]) => status >= 200 && status < 300).reduce((sum, [, count]) => sum + count, 0);
		expect(ok, JSON.stringify([...statuses])).toBeGreaterThan(REQUESTS / 10);
		expect(REQUESTS - ok).toBeGreaterThan(REQUESTS / 10);
		expect(handshakes).toBeGreaterThan(0);

		for (const target of targets) {
			const rows = (await api.get(`/items/${target.collection}?limit=-1&fields=id,endpoint,method,path,received_at,headers,status,delivery_id`)).body.data as Record<string, unknown>[];
			expect(rows.length, target.path).toBe(expectedRows.get(target.id)!.size);
			for (const row of rows) {
				expect(row.endpoint).toBe(target.id);
				expect(row.status).toBe('received');
				expect(typeof row.method).toBe('string');
				expect(row.path).toBe(target.path);
				expect(row.received_at).toBeTruthy();
				expect(typeof row.headers).toBe('object');
			}
			if (target.path.endsWith('/open')) {
				const ids = rows.map((row) => row.delivery_id).filter((id) => id !== null);
				expect(new Set(ids).size).toBe(ids.length);
			}
		}
		expect(Object.prototype).not.toHaveProperty('polluted');
	}, 300_000);
});
