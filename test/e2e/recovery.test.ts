// Recovering after an outage, on the real Directus: recover sends exactly a range's failed
// deliveries again, each with its original webhook-id and each once however many
// calls race; an inactive webhook records what it misses (nothing is sent), and replay-missed
// sends it later (a debounced webhook in one delivery). Only those who may update the webhook may
// do either, and only admins may resend skipped deliveries. In the app: the confirmation states the
// count before anything is sent, and the log says when a failing delivery is tried next.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appSession } from '../harness/app-session.ts';
import { hasChromium } from '../harness/browser.ts';
import { ApiClient } from '../harness/client.ts';
import { createDelegate, ok, receivedAt, SETTLED, type Delegate } from '../harness/delegate.ts';
import { Receiver } from '../harness/receiver.ts';
import { sleep, until } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const COLLECTION = `e2e_recovery_${randomBytes(3).toString('hex')}`;
const DELEGATE_TOKEN = randomBytes(24).toString('hex');
// A private address the SSRF guard refuses at once: a delivery there fails without retries, like a
// receiver that is gone until someone fixes the URL.
const UNREACHABLE = 'http://10.255.255.1:9/down';
let receiver: Receiver;
let delegate: Delegate;

interface LoggedDelivery {
	id: number;
	status: string;
	message_id: string;
	item_key: string;
	last_error: string | null;
	created_at: number | string;
}

async function createWebhook(path: string, extra: Record<string, unknown> = {}): Promise<number> {
	return (await ok(api.post('/webhooks', { name: `recovery ${path}`, url: receiver.url(path), actions: ['create'], collections: [COLLECTION], ...extra }))).id;
}

async function createItems(count: number, tag: string): Promise<number[]> {
	const created = await ok(api.post(`/items/${COLLECTION}`, Array.from({ length: count }, (_, index) => ({ title: `${tag} ${index}` }))));
	return (created as { id: number }[]).map((item) => item.id);
}

const deliveries = async (webhook: number): Promise<LoggedDelivery[]> => ok(api.get(`/webhooks/${webhook}/deliveries?limit=-1&sort=id`));

/** The webhook's deliveries once `count` of them have settled. */
const settled = (webhook: number, count: number) =>
	until(() => deliveries(webhook), (list) => list.filter((entry) => SETTLED.includes(entry.status)).length >= count);

/** The webhook-ids the receiver got at `path`, in arrival order. */
const idsAt = (path: string) => receivedAt(receiver, path).map((request) => String(request.headers['webhook-id']));

beforeAll(async () => {
	receiver = await Receiver.start();
	await api.createCollection(COLLECTION, { title: 'string' });
	delegate = await createDelegate(api, 'recovery', DELEGATE_TOKEN);
	await delegate.grant('webhooks_outgoing', 'read');
});

afterAll(async () => {
	await api.deleteEverything(COLLECTION);
	await delegate.remove();
	await receiver.close();
});

describe('recover', () => {
	it('sends exactly the failed deliveries of a range again, with their original webhook-ids; a dry run only counts', async () => {
		const webhook = await createWebhook('/recover', { url: UNREACHABLE });
		await createItems(2, 'before');
		await settled(webhook, 2);
		await sleep(20);
		const since = Date.now();
		const inRange = await createItems(3, 'in range');
		await settled(webhook, 5);
		await sleep(20);
		const untilTime = Date.now();
		await createItems(2, 'after');
		const failed = await settled(webhook, 7);
		expect(failed.map((entry) => entry.status)).toEqual(Array(7).fill('failed'));
		const wanted = failed.filter((entry) => inRange.map(String).includes(entry.item_key));
		expect(wanted).toHaveLength(3);

		// The receiver is fixed (here: the URL), then the failed range is sent again.
		await ok(api.patch(`/webhooks/${webhook}`, { url: receiver.url('/recover') }));
		const range = { since: new Date(since).toISOString(), until: new Date(untilTime).toISOString() };
		expect(await ok(api.post(`/webhooks/${webhook}/recover`, { ...range, dry_run: true }))).toEqual({ count: 3, more: false, dry_run: true });
		await sleep(700);
		expect(receivedAt(receiver, '/recover'), 'a dry run sends nothing').toEqual([]);

		expect(await ok(api.post(`/webhooks/${webhook}/recover`, range))).toEqual({ count: 3, more: false, dry_run: false });
		await until(async () => idsAt('/recover'), (ids) => ids.length >= 3);
		await sleep(700);
		// Exactly those three, under their original ids (sent side by side, so arrival order is not asserted).
		expect(idsAt('/recover').sort()).toEqual(wanted.map((entry) => entry.message_id).sort());
		const after = await settled(webhook, 7);
		expect(after.filter((entry) => entry.status === 'succeeded').map((entry) => entry.id)).toEqual(wanted.map((entry) => entry.id));
		expect(after.filter((entry) => entry.status === 'failed')).toHaveLength(4);
		// Nothing failed is left in the range.
		expect(await ok(api.post(`/webhooks/${webhook}/recover`, range))).toMatchObject({ count: 0 });
	});

	it('the success rate counts a delivery that is failing and still retrying as a failure, not as a success to come', async () => {
		receiver.respond((request) => (request.path === '/rate' && request.body.includes('failing') ? { status: 503, headers: { 'retry-after': '600' }, body: 'down' } : { status: 200, body: 'ok' }));
		try {
			const webhook = await createWebhook('/rate');
			await createItems(1, 'fine');
			await createItems(1, 'failing');
			await until(() => deliveries(webhook), (list) => list.some((entry) => entry.status === 'succeeded') && list.some((entry) => entry.status === 'pending' && Number((entry as unknown as { attempts: number }).attempts) === 1));
			const summary = (await ok(api.get('/webhooks/stats/summary'))) as { webhook: number; success_rate_24h: number | null }[];
			expect(summary.find((row) => row.webhook === webhook)).toMatchObject({ success_rate_24h: 0.5 });
		} finally {
			receiver.respond(() => ({ status: 200, body: 'ok' }));
		}
	});

	it('two recovers racing over the same range queue each delivery once', async () => {
		const webhook = await createWebhook('/race', { url: UNREACHABLE });
		const since = Date.now() - 1;
		await createItems(20, 'race');
		const failed = await settled(webhook, 20);
		await ok(api.patch(`/webhooks/${webhook}`, { url: receiver.url('/race') }));
		const answers = await Promise.all([1, 2, 3].map(() => ok(api.post(`/webhooks/${webhook}/recover`, { since }))));
		expect(answers.reduce((sum, answer) => sum + (answer as { count: number }).count, 0)).toBe(20);
		await until(async () => idsAt('/race'), (ids) => ids.length >= 20);
		await sleep(1000);
		expect(idsAt('/race').sort()).toEqual(failed.map((entry) => entry.message_id).sort());
	});

	it('answers 400 naming every bad field, and 409 for an inactive webhook', async () => {
		const webhook = await createWebhook('/bad');
		const bad = await api.post(`/webhooks/${webhook}/recover`, { until: 'tomorrow', statuses: ['pending'], limit: 3 });
		expect(bad.status).toBe(400);
		const message = String(bad.body.errors[0].message);
		for (const field of ['since', 'until', 'statuses', 'limit']) expect(message).toContain(field);
		expect((await api.post(`/webhooks/${webhook}/replay-missed`, {})).status).toBe(400);
		await ok(api.patch(`/webhooks/${webhook}`, { status: 'inactive' }));
		const inactive = await api.post(`/webhooks/${webhook}/recover`, { since: 0 });
		expect(inactive.status).toBe(409);
		expect((await api.post(`/webhooks/${webhook}/replay-missed`, { since: 0 })).status).toBe(409);
	});
});

describe('replay-missed', () => {
	it('an inactive webhook records its events as missed and sends nothing; replay-missed sends them', async () => {
		const webhook = await createWebhook('/missed');
		await ok(api.patch(`/webhooks/${webhook}`, { status: 'inactive' }));
		const since = Date.now() - 1;
		const keys = await createItems(3, 'missed');
		const missed = await until(() => deliveries(webhook), (list) => list.length >= 3);
		expect(missed.map((entry) => [entry.item_key, entry.status])).toEqual(keys.map((key) => [String(key), 'skipped']));
		expect(missed[0]!.last_error).toContain('inactive');
		await sleep(700);
		expect(receivedAt(receiver, '/missed')).toEqual([]);

		await ok(api.patch(`/webhooks/${webhook}`, { status: 'active' }));
		expect(await ok(api.post(`/webhooks/${webhook}/replay-missed`, { since, dry_run: true }))).toMatchObject({ count: 3 });
		expect(await ok(api.post(`/webhooks/${webhook}/replay-missed`, { since }))).toMatchObject({ count: 3, dry_run: false });
		await until(async () => idsAt('/missed'), (ids) => ids.length >= 3);
		expect(idsAt('/missed').sort()).toEqual(missed.map((entry) => entry.message_id).sort());
		const bodies = receivedAt(receiver, '/missed').map((request) => JSON.parse(request.body) as { key: unknown; payload: { title: string } });
		expect(bodies.map((body) => body.payload.title).sort()).toEqual(['missed 0', 'missed 1', 'missed 2']);
		// Replayed once: a second call finds nothing missed.
		expect(await ok(api.post(`/webhooks/${webhook}/replay-missed`, { since }))).toMatchObject({ count: 0 });
	});

	it('a delivery waiting for a retry when its webhook is set inactive counts as missed and is replayed', async () => {
		receiver.respond((request) => (request.path === '/waiting' ? { status: 500, body: 'down' } : { status: 200, body: 'ok' }));
		const webhook = await createWebhook('/waiting');
		const since = Date.now() - 1;
		try {
			await createItems(1, 'waiting');
			await until(() => deliveries(webhook), (list) => list.length === 1 && list[0]!.status === 'pending' && Number((list[0] as unknown as { attempts: number }).attempts) >= 1);
			await ok(api.patch(`/webhooks/${webhook}`, { status: 'inactive' }));
			const [skipped] = await until(() => deliveries(webhook), (list) => list[0]?.status === 'skipped');
			expect(skipped!.last_error).toContain('inactive');
		} finally {
			receiver.respond(() => ({ status: 200, body: 'ok' }));
		}
		await ok(api.patch(`/webhooks/${webhook}`, { status: 'active' }));
		expect(await ok(api.post(`/webhooks/${webhook}/replay-missed`, { since }))).toMatchObject({ count: 1 });
		await until(() => deliveries(webhook), (list) => list[0]?.status === 'succeeded');
	});

	it('with record_while_inactive off an inactive webhook records nothing', async () => {
		const webhook = await createWebhook('/not-recorded', { status: 'inactive', record_while_inactive: false });
		const recording = await createWebhook('/recorded', { status: 'inactive' });
		await createItems(2, 'unrecorded');
		await until(() => deliveries(recording), (list) => list.length >= 2);
		expect(await deliveries(webhook)).toEqual([]);
	});

	it('a debounced webhook gets everything it missed as one delivery listing every item', async () => {
		const webhook = await createWebhook('/missed-window', { status: 'inactive', debounce_seconds: 1 });
		const since = Date.now() - 1;
		const keys = await createItems(4, 'window');
		await until(() => deliveries(webhook), (list) => list.length >= 4);
		await ok(api.patch(`/webhooks/${webhook}`, { status: 'active' }));
		expect(await ok(api.post(`/webhooks/${webhook}/replay-missed`, { since }))).toMatchObject({ count: 4 });
		const [request] = await until(async () => receivedAt(receiver, '/missed-window'), (list) => list.length >= 1);
		await sleep(700);
		expect(receivedAt(receiver, '/missed-window')).toHaveLength(1);
		const body = JSON.parse(request!.body) as { event: string; count: number; events: { collection: string; keys: unknown[] }[] };
		expect(body).toMatchObject({ count: 4, events: [{ collection: COLLECTION }] });
		expect(body.events[0]!.keys.map(String)).toEqual(keys.map(String));
		// The originals stay in the log, no longer missed.
		expect(await ok(api.post(`/webhooks/${webhook}/replay-missed`, { since }))).toMatchObject({ count: 0 });
	});
});

describe('who may recover', () => {
	it('the public and a role that may only read the webhook can neither recover nor replay; updating it allows failed ones but not skipped ones', async () => {
		const webhook = await createWebhook('/who', { url: UNREACHABLE });
		await createItems(1, 'who');
		await settled(webhook, 1);
		await ok(api.patch(`/webhooks/${webhook}`, { url: receiver.url('/who') }));
		const asDelegate = api.withToken(DELEGATE_TOKEN);
		const asPublic = api.withToken(null);
		for (const path of ['recover', 'replay-missed']) {
			expect((await asPublic.post(`/webhooks/${webhook}/${path}`, { since: 0 })).status).toBe(403);
			expect((await asDelegate.post(`/webhooks/${webhook}/${path}`, { since: 0 })).status).toBe(403);
			// Even a dry run tells them nothing.
			expect((await asDelegate.post(`/webhooks/${webhook}/${path}`, { since: 0, dry_run: true })).status).toBe(403);
		}
		await sleep(700);
		expect(receivedAt(receiver, '/who')).toEqual([]);

		const update = await delegate.grant('webhooks_outgoing', 'update');
		try {
			const skipped = await asDelegate.post(`/webhooks/${webhook}/recover`, { since: 0, statuses: ['failed', 'skipped'] });
			expect(skipped.status).toBe(403);
			expect(await ok(asDelegate.post(`/webhooks/${webhook}/recover`, { since: 0 }))).toMatchObject({ count: 1 });
			await until(async () => receivedAt(receiver, '/who'), (list) => list.length >= 1);
		} finally {
			await api.delete(`/permissions/${update}`);
		}
	});
});

describe.skipIf(!hasChromium)('recovery in the app', () => {
	const session = appSession(info.url);

	async function visit(webhook: number, text: string): Promise<void> {
		await session.page.goto(`${info.url}/admin/webhooks/outgoing/${webhook}`);
		await session.page.getByText(text).first().waitFor();
		await session.page.locator('.hydrating').waitFor({ state: 'hidden' });
	}

	it('"Retry failed since…" states how many failed deliveries it will send before sending any, then sends exactly those', async () => {
		const webhook = await createWebhook('/app-recover', { url: UNREACHABLE, name: 'Recover in the app' });
		await createItems(2, 'app');
		await settled(webhook, 2);
		await ok(api.patch(`/webhooks/${webhook}`, { url: receiver.url('/app-recover') }));

		await visit(webhook, 'Recover in the app');
		await session.page.locator('[data-test="recover-open"]').click();
		const count = session.page.locator('[data-test="recovery-count"]');
		// The default range starts when the failures began: both are in it.
		await count.getByText('2 failed deliveries will be sent again').waitFor();
		await sleep(700);
		expect(receivedAt(receiver, '/app-recover'), 'counting sends nothing').toEqual([]);
		const confirm = session.page.locator('[data-test="recovery-confirm"]');
		expect((await confirm.innerText()).trim()).toBe('Send 2 again');
		await confirm.click();
		await session.page.locator('[data-test="recovery-dialog"]').waitFor({ state: 'hidden' });
		await until(async () => receivedAt(receiver, '/app-recover'), (list) => list.length >= 2);
		await sleep(700);
		expect(receivedAt(receiver, '/app-recover')).toHaveLength(2);
	}, 120_000);

	it('the delivery log says when a failing delivery is tried next', async () => {
		receiver.respond((request) => (request.path === '/app-later' ? { status: 503, headers: { 'retry-after': '600' }, body: 'busy' } : { status: 200, body: 'ok' }));
		try {
			const webhook = await createWebhook('/app-later', { name: 'Retried later' });
			await createItems(1, 'later');
			await until(() => deliveries(webhook), (list) => list.length === 1 && list[0]!.status === 'pending' && Number((list[0] as unknown as { attempts: number }).attempts) === 1);
			await visit(webhook, 'Retried later');
			const next = session.page.locator('[data-test="next-try"]').first();
			await next.waitFor();
			expect(await next.innerText()).toMatch(/^next try in (10|9) minutes$/);
		} finally {
			receiver.respond(() => ({ status: 200, body: 'ok' }));
		}
		expect(session.errors).toEqual([]);
	}, 120_000);
});
