// GET /webhooks/metrics: Prometheus text that a Prometheus parser reads, whose counters move as
// deliveries and inbound requests happen, whose queue gauges follow the outbox in the database; and
// that nobody but an admin or a scraper with WEBHOOKS_METRICS_TOKEN gets.
import { randomBytes } from 'node:crypto';
import parsePrometheusTextFormat, { type Family } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { createDelegate, ok, type Delegate } from '../harness/delegate.ts';
import { Receiver } from '../harness/receiver.ts';
import { sleep, until } from '../harness/wait.ts';

const info = inject('directus');
const admin = new ApiClient(info.url, info.token);
const TAG = `metrics_${randomBytes(3).toString('hex')}`;
const METRICS_TOKEN = info.env.WEBHOOKS_METRICS_TOKEN!;
const FAMILIES = [
	'directus_webhooks_deliveries_total',
	'directus_webhooks_retries_total',
	'directus_webhooks_attempt_duration_seconds',
	'directus_webhooks_inbound_requests_total',
	'directus_webhooks_queue_deliveries',
	'directus_webhooks_oldest_due_age_seconds',
	'directus_webhooks_disabled_webhooks',
];

let receiver: Receiver;
let delegate: Delegate;
const delegateToken = randomBytes(24).toString('hex');
const webhooks: number[] = [];
/** Requests to /hang wait for this (the queue test holds them); settled by default. */
let hold: Promise<void> = Promise.resolve();
/** /flaky fails its first request with 500 and accepts the rest. */
let flakyCalls = 0;

type Scrape = Family[] & { text: string };

/** Parses a scrape: the parser throws on anything that is not Prometheus text. */
async function scrape(headers: Record<string, string> = { authorization: `Bearer ${info.token}` }): Promise<Scrape> {
	const response = await fetch(`${info.url}/webhooks/metrics`, { headers });
	const text = await response.text();
	expect(response.status, text).toBe(200);
	expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
	return Object.assign(parsePrometheusTextFormat(text), { text });
}

/**
 * One webhook's attempt durations. The parser folds every series of a histogram family into one
 * (it reads unlabelled histograms only), so the webhook's lines are parsed alone, without the label.
 */
function durations(scraped: Scrape, webhook: number): { count: number; sum: number; buckets: Record<string, string> } {
	const name = 'directus_webhooks_attempt_duration_seconds';
	const label = `webhook="${webhook}"`;
	const lines = scraped.text.split('\n').filter((line) => line.startsWith(`# HELP ${name} `) || line.startsWith(`# TYPE ${name} `) || (line.startsWith(name) && line.includes(label)));
	const unlabelled = lines.map((line) => line.replace(`{${label}}`, '').replace(`${label},`, '').replace(`,${label}`, ''));
	const sample = parsePrometheusTextFormat(`${unlabelled.join('\n')}\n`)[0]?.metrics[0] ?? {};
	return { count: Number(sample.count ?? 0), sum: Number(sample.sum ?? 0), buckets: sample.buckets ?? {} };
}

function family(families: Family[], name: string): Family {
	const found = families.find((entry) => entry.name === name);
	if (!found) throw new Error(`no ${name} in the scrape`);
	return found;
}

/** The value of the sample with exactly these labels; 0 when there is none yet (counters start absent). */
function value(families: Family[], name: string, labels: Record<string, string> = {}): number {
	const sample = family(families, name).metrics.find((metric) => sameLabels(metric.labels ?? {}, labels));
	return sample === undefined ? 0 : Number(sample.value);
}

function sameLabels(actual: Record<string, string>, wanted: Record<string, string>): boolean {
	const keys = Object.keys(actual);
	return keys.length === Object.keys(wanted).length && keys.every((key) => actual[key] === wanted[key]);
}

async function webhook(name: string): Promise<number> {
	const id = (await ok(admin.post('/webhooks', { name: `${TAG} ${name}`, url: receiver.url(`/${name}`), actions: ['delete'], collections: ['directus_roles'] }))).id;
	webhooks.push(id);
	return id;
}

/** The deliveries of a webhook once all `count` have the status. */
async function settled(id: number, count: number, status: string): Promise<void> {
	await until(async () => (await admin.get(`/webhooks/${id}/deliveries?limit=-1`)).body.data, (list: { status: string }[]) => list.length === count && list.every((row) => row.status === status));
}

beforeAll(async () => {
	receiver = await Receiver.start();
	receiver.respond(async (request) => {
		if (request.path === '/gone') return { status: 410 };
		if (request.path === '/flaky') return { status: flakyCalls++ === 0 ? 500 : 200 };
		if (request.path === '/hang') await hold;
		return { status: 200 };
	});
	delegate = await createDelegate(admin, TAG, delegateToken);
	// Allowed to read webhooks and their deliveries in the app: metrics stay for admins all the same.
	await delegate.grant('webhooks_outgoing', 'read');
});

afterAll(async () => {
	if (webhooks.length > 0) await admin.delete('/webhooks', webhooks);
	await delegate?.remove();
	await receiver?.close();
});

describe('GET /webhooks/metrics', () => {
	it('is Prometheus text format with every family the docs name, each with help and the right type', async () => {
		const families = await scrape();
		for (const name of FAMILIES) expect(family(families, name).help.length, name).toBeGreaterThan(0);
		expect(family(families, 'directus_webhooks_attempt_duration_seconds').type).toBe('HISTOGRAM');
		expect(family(families, 'directus_webhooks_deliveries_total').type).toBe('COUNTER');
		expect(family(families, 'directus_webhooks_queue_deliveries').type).toBe('GAUGE');
		// The database's gauges are there from the first scrape, before anything happened.
		const states = family(families, 'directus_webhooks_queue_deliveries').metrics.map((metric) => metric.labels?.state).sort();
		expect(states).toEqual(['due', 'pending', 'sending']);
		expect(family(families, 'directus_webhooks_oldest_due_age_seconds').metrics).toHaveLength(1);
		expect(family(families, 'directus_webhooks_disabled_webhooks').metrics).toHaveLength(1);
	});

	it('counts a successful delivery, a retried one and a failed one under their webhook ids, with their attempt durations', async () => {
		const good = await webhook('ok');
		const flaky = await webhook('flaky');
		const gone = await webhook('gone');
		const before = await scrape();
		const disabledBefore = value(before, 'directus_webhooks_disabled_webhooks');

		await ok(admin.post(`/webhooks/${good}/test`));
		await ok(admin.post(`/webhooks/${flaky}/test`));
		await ok(admin.post(`/webhooks/${gone}/test`));
		await settled(good, 1, 'succeeded');
		await settled(flaky, 1, 'succeeded');
		await settled(gone, 1, 'failed');

		const after = await scrape();
		const deliveries = (webhook: number, outcome: string) => value(after, 'directus_webhooks_deliveries_total', { webhook: String(webhook), outcome });
		const attempts = (webhook: number) => durations(after, webhook).count;
		expect(deliveries(good, 'succeeded')).toBe(1);
		expect(deliveries(good, 'failed')).toBe(0);
		expect(attempts(good)).toBe(1);
		// The flaky receiver failed once (a retry), then took it: two attempts, one delivery.
		expect(value(after, 'directus_webhooks_retries_total', { webhook: String(flaky) })).toBe(1);
		expect(deliveries(flaky, 'succeeded')).toBe(1);
		expect(attempts(flaky)).toBe(2);
		// 410 Gone fails at once and disables the webhook.
		expect(deliveries(gone, 'failed')).toBe(1);
		expect(value(after, 'directus_webhooks_retries_total', { webhook: String(gone) })).toBe(0);
		expect(value(after, 'directus_webhooks_disabled_webhooks')).toBe(disabledBefore + 1);

		const histogram = durations(after, good);
		expect(Number(histogram.buckets['+Inf'])).toBe(1);
		expect(Number(histogram.buckets['60'])).toBe(1);
		expect(histogram.sum).toBeGreaterThan(0);
		expect(histogram.sum).toBeLessThan(15);
	});

	it('shows deliveries waiting in the outbox as pending, due and sending, and how long the oldest due one has waited', async () => {
		const slow = await webhook('hang');
		let release!: () => void;
		hold = new Promise((done) => (release = done));
		try {
			const before = await scrape();
			const gauge = (families: Scrape, state: string) => value(families, 'directus_webhooks_queue_deliveries', { state });
			// One instance holds at most twice WEBHOOKS_CONCURRENCY_PER_WEBHOOK (16) of a webhook: 32
			// leased (16 sent and held by the receiver, 16 waiting), the other 8 stay pending and due.
			const received = receiver.requests.length;
			for (let index = 0; index < 40; index++) await ok(admin.post(`/webhooks/${slow}/test`));
			await receiver.waitFor(received + 16);
			const held = await until(() => scrape(), (families) => gauge(families, 'sending') - gauge(before, 'sending') >= 32 && gauge(families, 'due') - gauge(before, 'due') >= 8);
			expect(gauge(held, 'pending') - gauge(before, 'pending')).toBeGreaterThanOrEqual(8);
			await sleep(1_500);
			const later = await scrape();
			expect(value(later, 'directus_webhooks_oldest_due_age_seconds')).toBeGreaterThanOrEqual(1);
			expect(value(later, 'directus_webhooks_oldest_due_age_seconds')).toBeGreaterThan(value(held, 'directus_webhooks_oldest_due_age_seconds'));

			release();
			await settled(slow, 40, 'succeeded');
			const drained = await scrape();
			expect(gauge(held, 'sending') - gauge(drained, 'sending')).toBeGreaterThanOrEqual(32);
			expect(gauge(held, 'due') - gauge(drained, 'due')).toBeGreaterThanOrEqual(8);
			expect(value(drained, 'directus_webhooks_deliveries_total', { webhook: String(slow), outcome: 'succeeded' })).toBe(40);
		} finally {
			release();
		}
	});

	it('counts inbound requests by endpoint: stored, duplicate, and refused with the reason (credentials, method, paused)', async () => {
		const suffix = `${TAG}/in`;
		const endpoint = await ok(admin.post('/webhooks/endpoints', { name: `${TAG} in`, suffix, auth: 'api_key', auth_config: { header: 'x-key' }, dedupe_header: 'X-Delivery' }));
		try {
			const send = (key: string, delivery: string, method = 'POST') =>
				fetch(endpoint.url, { method, headers: { 'x-key': key, 'x-delivery': delivery, 'content-type': 'application/json' }, body: method === 'POST' ? '{"a":1}' : undefined });
			expect((await send(endpoint.secret, 'one')).status).toBe(200);
			expect((await send(endpoint.secret, 'one')).status).toBe(200);
			expect((await send(endpoint.secret, 'two')).status).toBe(200);
			expect((await send('wrong key', 'three')).status).toBe(401);
			expect((await send(endpoint.secret, 'four', 'PUT')).status).toBe(405);
			await ok(admin.patch(`/webhooks/endpoints/${endpoint.id}`, { status: 'inactive' }));
			expect((await send(endpoint.secret, 'five')).status).toBe(503);

			const families = await scrape();
			const count = (labels: Record<string, string>) => value(families, 'directus_webhooks_inbound_requests_total', { endpoint: String(endpoint.id), ...labels });
			expect(count({ outcome: 'stored' })).toBe(2);
			expect(count({ outcome: 'duplicate' })).toBe(1);
			expect(count({ outcome: 'refused', reason: 'auth' })).toBe(1);
			expect(count({ outcome: 'refused', reason: 'method' })).toBe(1);
			expect(count({ outcome: 'refused', reason: 'paused' })).toBe(1);
			expect(family(families, 'directus_webhooks_inbound_requests_total').metrics.filter((metric) => metric.labels?.endpoint === String(endpoint.id))).toHaveLength(5);
		} finally {
			await admin.delete(`/webhooks/endpoints/${endpoint.id}?drop_collection=true`);
		}
	});
});

describe('who may read /webhooks/metrics', () => {
	const refused = async (headers: Record<string, string>, status: number, path = '/webhooks/metrics', method = 'GET') => {
		const response = await fetch(`${info.url}${path}`, { method, headers });
		const text = await response.text();
		expect(response.status, text).toBe(status);
		expect(text).not.toContain('directus_webhooks_');
	};

	it('the public gets 401 and no metrics', async () => {
		await refused({}, 401);
	});

	it('a wrong token gets 401 and no metrics, and so does the token in the query instead of the header', async () => {
		await refused({ authorization: `Bearer ${METRICS_TOKEN}x` }, 401);
		await refused({ authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` }, 401);
		await refused({}, 401, `/webhooks/metrics?access_token=${METRICS_TOKEN}`);
	});

	it('a signed-in non-admin gets 403 and no metrics, even one who may read webhooks', async () => {
		await refused({ authorization: `Bearer ${delegateToken}` }, 403);
	});

	it('the metrics token works for GET only: it is no Directus token anywhere else', async () => {
		const families = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
		for (const name of FAMILIES) expect(family(families, name).name).toBe(name);
		await refused({ authorization: `Bearer ${METRICS_TOKEN}` }, 401, '/webhooks/metrics', 'POST');
		await refused({ authorization: `Bearer ${METRICS_TOKEN}` }, 401, '/webhooks');
		await refused({ authorization: `Bearer ${METRICS_TOKEN}` }, 401, '/items/webhooks_outgoing');
	});
});
