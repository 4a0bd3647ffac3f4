// The refused-request log on the real Directus: every refusal of a known endpoint is recorded with
// its reason, status, source, method and size, headers redacted and never the body; it keeps the
// newest WEBHOOKS_REFUSED_LOG_SIZE per endpoint (50 in the harness), is no Directus collection (the
// licence's collection count does not see it), counts in the activity chart, and is readable only
// by those who may read the endpoint. The endpoint page says how many were refused in the last hour
// and why.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appSession } from '../harness/app-session.ts';
import { hasChromium } from '../harness/browser.ts';
import { ApiClient } from '../harness/client.ts';
import { createDelegate, ok, type Delegate } from '../harness/delegate.ts';
import { until } from '../harness/wait.ts';
import type { RefusedEntry as Entry } from '../../extensions/src/api/inbound/refusals/refused-log.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const endpoints: number[] = [];
const DELEGATE_TOKEN = randomBytes(24).toString('hex');
const KEPT = 50;
const BODY_MARKER = `body-never-logged-${randomBytes(4).toString('hex')}`;
let delegate: Delegate;


async function createEndpoint(overrides: Record<string, unknown> = {}) {
	const tag = randomBytes(4).toString('hex');
	const endpoint = await ok(api.post('/webhooks/endpoints', { name: `refused ${tag}`, suffix: `refused/${tag}`, ...overrides }));
	endpoints.push(endpoint.id);
	return endpoint as { id: number; url: string; collection: string; secret?: string };
}

const call = (url: string, init: RequestInit = {}) => fetch(url, { method: 'POST', ...init }).then(async (response) => ({ status: response.status, text: await response.text() }));

/** The endpoint's log once it holds `count` entries (it is written a moment after the answer). */
const logged = (id: number, count: number) =>
	until(async () => (await api.get(`/webhooks/endpoints/${id}/refused?limit=1000`)).body as { data: Entry[]; meta: { last_hour: { count: number; top_reason: string | null; top_count: number } } }, (body) => (body.data?.length ?? 0) >= count);

beforeAll(async () => {
	delegate = await createDelegate(api, 'inbound-refused', DELEGATE_TOKEN);
});

afterAll(async () => {
	for (const endpoint of endpoints) await api.delete(`/webhooks/endpoints/${endpoint}?drop_collection=true`);
	await delegate.remove();
});

describe('the refused-request log', () => {
	it('records each refusal with its reason, status, method, size and redacted headers, and never the body', async () => {
		const keyed = await createEndpoint({ auth: 'api_key', auth_config: { header: 'X-Key' }, methods: ['POST'], max_body_bytes: 1024, strict: true, expected_body: { order: 1 } });
		const json = { 'content-type': 'application/json' };
		const answers = [
			await call(keyed.url, { method: 'PUT', headers: { ...json, 'x-key': keyed.secret! }, body: BODY_MARKER }),
			await call(keyed.url, { headers: { ...json, 'x-key': 'wrong-key-value', authorization: 'Bearer leaked-token' }, body: JSON.stringify({ order: BODY_MARKER }) }),
			await call(keyed.url, { headers: { ...json, 'x-key': keyed.secret! }, body: JSON.stringify({ pad: BODY_MARKER.repeat(100) }) }),
			await call(keyed.url, { headers: { ...json, 'x-key': keyed.secret! }, body: JSON.stringify({ other: BODY_MARKER }) }),
		];
		expect(answers.map((answer) => answer.status)).toEqual([405, 401, 413, 422]);
		const { data, meta } = await logged(keyed.id, 4);
		// Newest first.
		expect(data.map((entry) => [entry.kind, entry.status, entry.method])).toEqual([
			['validation', 422, 'POST'],
			['too_large', 413, 'POST'],
			['auth', 401, 'POST'],
			['method', 405, 'PUT'],
		]);
		expect(data[1]!.bytes).toBeGreaterThan(1024);
		expect(data[2]!.reason).toMatch(/key/i);
		expect(data.every((entry) => typeof entry.source_ip === 'string' && entry.source_ip.length > 0)).toBe(true);
		const everything = JSON.stringify(data);
		expect(everything).not.toContain(BODY_MARKER);
		expect(everything).not.toContain('wrong-key-value');
		expect(everything).not.toContain('leaked-token');
		expect(everything).not.toContain(keyed.secret!);
		expect(data[2]!.headers['content-type']).toBe('application/json');
		expect(meta.last_hour).toMatchObject({ count: 4, top_count: 1 });
	});

	it('records paused and rate-limited calls too, and keeps only the newest entries per endpoint', async () => {
		const limited = await createEndpoint({ rate_limit_per_minute: 1 });
		expect((await call(limited.url, { body: 'first' })).status).toBe(200);
		const refusedCount = KEPT + 10;
		for (let index = 0; index < refusedCount; index++) expect((await call(limited.url, { body: 'again' })).status).toBe(429);
		const { data, meta } = await logged(limited.id, KEPT);
		await new Promise((done) => setTimeout(done, 500));
		const settled = (await api.get(`/webhooks/endpoints/${limited.id}/refused?limit=1000`)).body as { data: Entry[] };
		expect(settled.data).toHaveLength(KEPT);
		expect(new Set(data.map((entry) => entry.kind))).toEqual(new Set(['rate_limited']));
		// The count of the last hour is of what is kept.
		expect(meta.last_hour.count).toBeLessThanOrEqual(refusedCount);
		expect(meta.last_hour.top_reason).toBe('Too many requests');

		const paused = await createEndpoint();
		await ok(api.patch(`/webhooks/endpoints/${paused.id}`, { status: 'inactive' }));
		await until(async () => (await call(paused.url, { body: 'x' })).status, (status) => status === 503);
		const [entry] = (await logged(paused.id, 1)).data;
		expect(entry).toMatchObject({ kind: 'paused', status: 503 });
	});

	it('counts refusals in the endpoint\'s activity chart', async () => {
		const endpoint = await createEndpoint({ methods: ['POST'] });
		for (let index = 0; index < 3; index++) expect((await call(endpoint.url, { method: 'GET' })).status).toBe(405);
		expect((await call(endpoint.url, { body: 'ok' })).status).toBe(200);
		await logged(endpoint.id, 3);
		const buckets = (await ok(api.get(`/webhooks/stats/activity?endpoint=${endpoint.id}&hours=1`))) as { inbound: number; refused: number }[];
		expect(buckets.reduce((sum, bucket) => sum + bucket.refused, 0)).toBe(3);
		expect(buckets.reduce((sum, bucket) => sum + bucket.inbound, 0)).toBe(1);
	});

	it('is no Directus collection, so the core licence does not count it', async () => {
		const collections = (await ok(api.get('/collections'))) as { collection: string; meta: unknown }[];
		const table = collections.find((collection) => collection.collection === 'webhooks_refused');
		// Directus sees the table (admins only) but it has no meta: not counted as an active collection.
		expect(table?.meta ?? null).toBeNull();
	});

	it('is readable only by those who may read the endpoint and its stored requests: not the public, not a role that reads only endpoints', async () => {
		const endpoint = await createEndpoint({ methods: ['POST'] });
		expect((await call(endpoint.url, { method: 'GET' })).status).toBe(405);
		await logged(endpoint.id, 1);
		const asDelegate = api.withToken(DELEGATE_TOKEN);
		expect((await api.withToken(null).get(`/webhooks/endpoints/${endpoint.id}/refused`)).status).toBe(403);
		expect((await asDelegate.get(`/webhooks/endpoints/${endpoint.id}/refused`)).status).toBe(403);
		expect((await asDelegate.get('/items/webhooks_refused')).status).toBe(403);
		const read = await delegate.grant('webhooks_endpoints', 'read');
		try {
			// Reading the endpoint is not reading its callers: that takes read on its stored requests too.
			expect((await asDelegate.get(`/webhooks/endpoints/${endpoint.id}/refused`)).status).toBe(403);
			const requests = await delegate.grant(endpoint.collection, 'read');
			try {
				const seen = await asDelegate.get(`/webhooks/endpoints/${endpoint.id}/refused`);
				expect(seen.status).toBe(200);
				expect(seen.body.data).toHaveLength(1);
			} finally {
				await api.delete(`/permissions/${requests}`);
			}
		} finally {
			await api.delete(`/permissions/${read}`);
		}
	});
});

describe.skipIf(!hasChromium)('the refused-request log in the app', () => {
	const session = appSession(info.url);

	it('the endpoint page says how many calls were refused in the last hour and mostly why, and lists them', async () => {
		const endpoint = await createEndpoint({ name: 'Refusing in the app', auth: 'api_key', auth_config: { header: 'X-Key' } });
		for (let index = 0; index < 3; index++) expect((await call(endpoint.url, { headers: { 'x-key': 'nope' }, body: '{}' })).status).toBe(401);
		expect((await call(endpoint.url, { method: 'DELETE' })).status).toBe(405);
		await logged(endpoint.id, 4);
		await session.page.goto(`${info.url}/admin/webhooks/incoming/${endpoint.id}`);
		await session.page.getByText('Refusing in the app').first().waitFor();
		await session.page.locator('.hydrating').waitFor({ state: 'hidden' });
		const summary = session.page.locator('[data-test="refused-summary"]');
		await summary.getByText(/Refused: 4 in the last hour — mostly /).waitFor();
		expect(await session.page.locator('[data-test="refused-list"] tbody tr, [data-test="refused-list"] .table-row').count()).toBe(4);
		expect(session.errors).toEqual([]);
	}, 120_000);
});
