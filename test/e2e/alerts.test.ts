// Webhook alerts: a webhook failing, recovering, running a delivery out of retries and being
// disabled is told once to admins (Directus notifications) and once, as a signed event, to webhooks
// that chose "Webhook alerts"; alerts about an alert webhook go to no webhook (no loop), and only
// admins may choose alerts.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { createCluster, type Cluster } from '../harness/cluster.ts';
import { createDelegate, ok, receivedAt, type Delegate } from '../harness/delegate.ts';
import { connect } from '../harness/databases.ts';
import { deliveryStatuses } from '../harness/outbox.ts';
import { Receiver } from '../harness/receiver.ts';
import { verify } from '../harness/signature.ts';
import { startStack, type Stack } from '../harness/stack.ts';
import { sleep, until } from '../harness/wait.ts';

const info = inject('directus');
const COLLECTION = 'alert_items';
// Three attempts over about two seconds; disabled after eight seconds of failures, warned at four.
const ENV = { WEBHOOKS_RETRY_SCHEDULE: '1s,1s', WEBHOOKS_DISABLE_AFTER: '8s', WEBHOOKS_POLL_INTERVAL: '200ms' };
// Long enough for a duplicate alert (another claim, a retry) to have shown up.
const SETTLE_MS = 2500;

interface AlertBody {
	event: string;
	webhook: { id: number; name: string };
	since: string | null;
	error: string | null;
	delivery: number | null;
	timestamp: string;
}

let stack: Stack;
let api: ApiClient;
let receiver: Receiver;
let admin: string;
let alertHook: { id: number; secret: string };
const down = new Set<string>();

async function createWebhook(body: Record<string, unknown>): Promise<{ id: number; secret: string; name: string }> {
	return ok(api.post('/webhooks', { name: `alerts ${Math.random().toString(36).slice(2, 8)}`, actions: ['create'], collections: [COLLECTION], ...body }));
}

/** The alerts a path received, each checked against the alert webhook's signature. */
function alertsAt(path: string, secret: string): AlertBody[] {
	return receivedAt(receiver, path).map((request) => verify(secret, request) as AlertBody);
}

function about(alerts: AlertBody[], webhook: number): AlertBody[] {
	return alerts.filter((alert) => alert.webhook.id === webhook);
}

/** The admin's notifications about one webhook, oldest first. */
async function notificationsAbout(webhook: number): Promise<string[]> {
	const response = await api.get(`/notifications?filter[item][_eq]=${webhook}&filter[collection][_eq]=webhooks_outgoing&filter[recipient][_eq]=${admin}&sort=id&limit=-1`);
	expect(response.status).toBe(200);
	return response.body.data.map((notification: { subject: string }) => notification.subject);
}

beforeAll(async () => {
	stack = await startStack(info.kind, { label: `${info.kind}-alerts`, env: ENV });
	api = new ApiClient(stack.info.url, stack.info.token);
	receiver = await Receiver.start();
	receiver.respond((request) => ({ status: down.has(request.path.split('?')[0]!) ? 500 : 200 }));
	await api.createCollection(COLLECTION, { n: 'integer' });
	admin = (await ok(api.get('/users/me'))).id;
	alertHook = await createWebhook({ name: 'alerts to chat', url: receiver.url('/alerts'), actions: ['alert'], collections: ['webhooks_outgoing'] });
});

afterAll(async () => {
	await receiver?.close();
	await stack?.stop();
});

describe('webhook alerts', () => {
	it('tells admins and the alert webhook once each when a webhook fails, runs a delivery out of retries and recovers, without its URL or headers', { timeout: 60_000 }, async () => {
		down.add('/t1');
		const hook = await createWebhook({
			name: 'crm sync',
			url: receiver.url('/t1?token=t1-query-token'),
			headers: [{ header: 'Authorization', value: 'Bearer t1-header-secret', secret: true }],
		});
		await ok(api.post(`/items/${COLLECTION}`, { n: 1 }));
		const exhausted = await until(async () => about(alertsAt('/alerts', alertHook.secret), hook.id), (list) => list.some((alert) => alert.event === 'delivery.exhausted'));
		// The outcome is recorded in a batch, a moment after the alert is queued.
		const [delivery] = await until(async () => ok(api.get(`/webhooks/${hook.id}/deliveries`)), (list: { id: number; status: string }[]) => list[0]?.status === 'failed');

		down.delete('/t1');
		await ok(api.post(`/items/${COLLECTION}`, { n: 2 }));
		await until(async () => about(alertsAt('/alerts', alertHook.secret), hook.id), (list) => list.some((alert) => alert.event === 'webhook.recovered'));
		await sleep(SETTLE_MS);

		const alerts = about(alertsAt('/alerts', alertHook.secret), hook.id);
		expect(alerts.map((alert) => alert.event)).toEqual(['webhook.failing', 'delivery.exhausted', 'webhook.recovered']);
		const [failing, ranOut, recovered] = alerts as [AlertBody, AlertBody, AlertBody];
		expect(failing).toEqual({ event: 'webhook.failing', webhook: { id: hook.id, name: 'crm sync' }, since: expect.any(String), error: 'the receiver answered 500', delivery: null, timestamp: failing.since });
		expect(ranOut).toMatchObject({ event: 'delivery.exhausted', since: failing.since, error: 'the receiver answered 500', delivery: delivery.id });
		expect(recovered).toMatchObject({ event: 'webhook.recovered', since: failing.since, error: null, delivery: null });
		expect(exhausted.length).toBeGreaterThan(0);
		// Neither the failing webhook's URL (its query may hold a token) nor its headers.
		for (const request of receivedAt(receiver, '/alerts')) {
			expect(request.body).not.toContain('t1-query-token');
			expect(request.body).not.toContain('t1-header-secret');
			expect(request.body).not.toContain('/t1');
		}

		expect(await notificationsAbout(hook.id)).toEqual([
			'Webhook "crm sync" is failing',
			'Webhook "crm sync": a delivery ran out of retries',
			'Webhook "crm sync" recovered',
		]);
		expect(await ok(api.get(`/webhooks/${hook.id}`))).toMatchObject({ status: 'active', failing_since: null });
	});

	it('tells of a recovery on an instance that did not see the failures: the failure state another instance recorded reaches it', { timeout: 30_000 }, async () => {
		const hook = await createWebhook({ name: 'seen elsewhere', url: receiver.url('/elsewhere') });
		// Another instance sharing the database saw this webhook fail; this one sent nothing for it.
		const db = connect({ kind: stack.info.kind, name: stack.info.database, env: stack.info.env });
		try {
			await db('webhooks_outgoing').where({ id: hook.id }).update({ failing_since: Date.now() - 60_000 });
		} finally {
			await db.destroy();
		}
		await sleep(1500); // the config refresh (1 s) reaches every instance
		await ok(api.post(`/items/${COLLECTION}`, { n: 3 }));
		const alerts = await until(async () => about(alertsAt('/alerts', alertHook.secret), hook.id), (list) => list.length > 0);
		expect(alerts.map((alert) => alert.event)).toEqual(['webhook.recovered']);
		expect(await ok(api.get(`/webhooks/${hook.id}`))).toMatchObject({ failing_since: null });
	});

	it('warns admins halfway, then disables a webhook that keeps failing; every exhausted delivery is an event, but admins hear of one', { timeout: 60_000 }, async () => {
		down.add('/t2');
		const hook = await createWebhook({ name: 'always down', url: receiver.url('/t2') });
		// An event a second keeps it failing until it is disabled.
		let disabled = await ok(api.get(`/webhooks/${hook.id}`));
		for (let n = 100; disabled.status === 'active' && n < 130; n++) {
			await ok(api.post(`/items/${COLLECTION}`, { n }));
			await sleep(1000);
			disabled = await ok(api.get(`/webhooks/${hook.id}`));
		}
		expect(disabled.disabled_reason).toMatch(/failed/);
		await until(async () => about(alertsAt('/alerts', alertHook.secret), hook.id), (list) => list.some((alert) => alert.event === 'webhook.disabled'));
		await sleep(SETTLE_MS);

		const alerts = about(alertsAt('/alerts', alertHook.secret), hook.id);
		const events = alerts.map((alert) => alert.event);
		expect(events.filter((event) => event === 'webhook.failing')).toHaveLength(1);
		expect(events.filter((event) => event === 'webhook.disabled')).toHaveLength(1);
		expect(events.at(-1)).toBe('webhook.disabled');
		const ranOut = alerts.filter((alert) => alert.event === 'delivery.exhausted').map((alert) => alert.delivery);
		expect(ranOut.length).toBeGreaterThanOrEqual(2);
		expect(new Set(ranOut).size).toBe(ranOut.length);
		expect(alerts.find((alert) => alert.event === 'webhook.disabled')).toMatchObject({ error: disabled.disabled_reason, delivery: null });

		const notifications = await notificationsAbout(hook.id);
		expect(notifications).toEqual([
			'Webhook "always down" is failing',
			'Webhook "always down": a delivery ran out of retries',
			'Webhook "always down" will be disabled soon',
			'Webhook "always down" was disabled',
		]);
	});

	it('sends no alert about an alert webhook to any webhook, so a failing alert receiver causes no more deliveries', { timeout: 60_000 }, async () => {
		down.add('/t3');
		down.add('/alerts-down');
		const broken = await createWebhook({ name: 'broken alerts', url: receiver.url('/alerts-down'), actions: ['alert'], collections: ['webhooks_outgoing'] });
		const hook = await createWebhook({ name: 'loop source', url: receiver.url('/t3') });
		await ok(api.post(`/items/${COLLECTION}`, { n: 1000 }));
		// The source fails and runs out of retries: two alerts, each to both alert webhooks.
		await until(async () => about(alertsAt('/alerts', alertHook.secret), hook.id), (list) => list.some((alert) => alert.event === 'delivery.exhausted'));
		await ok(api.patch(`/webhooks/${hook.id}`, { status: 'inactive' }));
		// The broken alert webhook fails both (three attempts each), and is failing itself.
		await until(async () => deliveryStatuses(stack.target, broken.id), (statuses) => statuses.failed === 2, 20_000);
		await sleep(SETTLE_MS);

		expect(about(alertsAt('/alerts', alertHook.secret), broken.id)).toEqual([]);
		expect(receivedAt(receiver, '/alerts-down').map((request) => (verify(broken.secret, request) as AlertBody).webhook.id)).toEqual(Array(6).fill(hook.id));
		expect(await deliveryStatuses(stack.target, broken.id)).toEqual({ failed: 2 });
		// Admins are still told, once each (a warning too if its failures lasted half of WEBHOOKS_DISABLE_AFTER).
		const told = await notificationsAbout(broken.id);
		expect(told.slice(0, 2)).toEqual(['Webhook "broken alerts" is failing', 'Webhook "broken alerts": a delivery ran out of retries']);
		expect(told.slice(2)).toEqual(told.length > 2 ? ['Webhook "broken alerts" will be disabled soon'] : []);
		await ok(api.patch(`/webhooks/${broken.id}`, { status: 'inactive' }));
	});

	it('fills an alert webhook\'s template with the webhook the alert is about, and sends alerts only while it is active', { timeout: 30_000 }, async () => {
		down.add('/t4');
		const chat = await createWebhook({
			name: 'chat',
			url: receiver.url('/chat'),
			actions: ['alert'],
			collections: ['webhooks_outgoing'],
			preset: 'slack',
			body_template: JSON.stringify({ text: '{{ event }}: {{ webhook.name }} ({{ error }})' }),
		});
		const source = await createWebhook({ name: 'billing export', url: receiver.url('/t4') });
		await ok(api.post(`/items/${COLLECTION}`, { n: 2000 }));
		const [message] = await until(async () => receivedAt(receiver, '/chat'), (list) => list.length > 0);
		expect(verify(chat.secret, message!)).toEqual({ text: 'webhook.failing: billing export (the receiver answered 500)' });

		// Inactive, it records no alert to send later (record_while_inactive is for item events).
		await ok(api.patch(`/webhooks/${chat.id}`, { status: 'inactive' }));
		await until(async () => about(alertsAt('/alerts', alertHook.secret), source.id), (list) => list.some((alert) => alert.event === 'delivery.exhausted'));
		await sleep(SETTLE_MS);
		expect(await deliveryStatuses(stack.target, chat.id)).toEqual({ succeeded: 1 });
	});

	describe('a delegated (non-admin) role', () => {
		let delegate: Delegate;
		let client: ApiClient;

		beforeAll(async () => {
			delegate = await createDelegate(api, 'alerts-delegate', 'alerts-delegate-token');
			for (const action of ['create', 'read', 'update']) await delegate.grant('webhooks_outgoing', action);
			await delegate.grant(COLLECTION, 'read');
			client = api.withToken('alerts-delegate-token');
		});

		afterAll(async () => {
			await delegate?.remove();
		});

		it('may not choose webhook alerts, through /webhooks or /items, on create or update', async () => {
			const body = { name: 'steal alerts', url: receiver.url('/stolen'), actions: ['alert'], collections: ['webhooks_outgoing'] };
			for (const path of ['/webhooks', '/items/webhooks_outgoing']) {
				const created = await client.post(path, body);
				expect(created.status, JSON.stringify(created.body)).toBe(400);
				expect(created.body.errors[0].message).toContain('actions: only an admin may choose "alert" (webhook alerts)');
			}
			const own = await ok(client.post('/webhooks', { name: 'own', url: receiver.url('/own'), actions: ['create'], collections: [COLLECTION] }));
			for (const path of [`/webhooks/${own.id}`, `/items/webhooks_outgoing/${own.id}`]) {
				const changed = await client.patch(path, { actions: ['alert'], collections: ['webhooks_outgoing'] });
				expect(changed.status, JSON.stringify(changed.body)).toBe(400);
			}
			// Nor keep an admin's alert webhook while changing it (it would then send as theirs).
			const renamed = await client.patch(`/webhooks/${alertHook.id}`, { name: 'mine now' });
			expect(renamed.status).toBe(400);
			const stored = await ok(api.get(`/webhooks/${alertHook.id}`));
			expect(stored).toMatchObject({ name: 'alerts to chat', actions: ['alert'] });
			expect((await api.get(`/webhooks?filter[name][_eq]=steal alerts`)).body.data).toEqual([]);
			expect(receivedAt(receiver, '/stolen')).toEqual([]);
		});

		it('gets no alert through a webhook of theirs that an admin turned into an alert webhook', { timeout: 30_000 }, async () => {
			const theirs = await ok(client.post('/webhooks', { name: 'theirs', url: receiver.url('/theirs'), actions: ['create'], collections: [COLLECTION] }));
			// An admin may choose alerts; the delegate still owns the webhook (its creator).
			await ok(api.patch(`/webhooks/${theirs.id}`, { actions: ['alert'], collections: ['webhooks_outgoing'] }));
			down.add('/t5');
			const source = await createWebhook({ name: 'secret project sync', url: receiver.url('/t5') });
			await ok(api.post(`/items/${COLLECTION}`, { n: 3000 }));
			await until(async () => about(alertsAt('/alerts', alertHook.secret), source.id), (list) => list.some((alert) => alert.event === 'webhook.failing'));
			const [skipped] = await until(async () => ok(api.get(`/webhooks/${theirs.id}/deliveries`)), (list: { status: string }[]) => list[0]?.status === 'skipped');
			expect(skipped).toMatchObject({ event: 'webhook.failing', last_error: 'webhook alerts go only to webhooks that admins own' });
			await sleep(SETTLE_MS);
			expect(receivedAt(receiver, '/theirs')).toEqual([]);
			await ok(api.patch(`/webhooks/${source.id}`, { status: 'inactive' }));
		});
	});
});

describe.skipIf(info.kind === 'sqlite')(`webhook alerts from two instances on one ${info.kind} database`, () => {
	let cluster: Cluster;
	let a: ApiClient;
	let b: ApiClient;
	const ITEMS = 20;

	beforeAll(async () => {
		cluster = await createCluster(info.kind as 'postgres' | 'mariadb', info.env, { label: `${info.kind}-alerts-cluster`, env: ENV });
		await cluster.start();
		[a, b] = cluster.instances.map((instance) => new ApiClient(instance.url, info.token)) as [ApiClient, ApiClient];
		await a.createCollection(COLLECTION, { n: 'integer' });
	});

	afterAll(async () => {
		await cluster?.stop();
	});

	const write = (client: ApiClient, from: number) => ok(client.post(`/items/${COLLECTION}`, Array.from({ length: ITEMS }, (_, index) => ({ n: from + index }))));

	it('raises failing, an exhausted notice and recovered once, though both instances send and fail at once', { timeout: 90_000 }, async () => {
		down.add('/c1');
		const chat = await ok(a.post('/webhooks', { name: 'cluster alerts', url: receiver.url('/cluster-alerts'), actions: ['alert'], collections: ['webhooks_outgoing'] }));
		const hook = await ok(a.post('/webhooks', { name: 'cluster target', url: receiver.url('/c1'), actions: ['create'], collections: [COLLECTION] }));
		// Longer than the config poll: both instances know both webhooks.
		await sleep(2500);
		// Which instances hold the failing deliveries' leases, sampled while they are sent.
		const db = connect(cluster.target);
		const senders = new Set<string>();
		let sampling = true;
		const sampler = (async () => {
			while (sampling) {
				const rows: { lease_owner: string }[] = await db('webhooks_deliveries').distinct('lease_owner').where({ webhook: hook.id }).whereNotNull('lease_owner');
				for (const row of rows) senders.add(row.lease_owner);
				await sleep(20);
			}
		})();
		try {
			await Promise.all([write(a, 0), write(b, ITEMS)]);
			await until(async () => deliveryStatuses(cluster.target, hook.id), (statuses) => statuses.failed === 2 * ITEMS, 30_000);
		} finally {
			sampling = false;
			await sampler;
			await db.destroy();
		}
		expect(senders.size).toBe(2);
		down.delete('/c1');
		await Promise.all([write(a, 100), write(b, 100 + ITEMS)]);
		await until(async () => deliveryStatuses(cluster.target, hook.id), (statuses) => statuses.succeeded === 2 * ITEMS, 30_000);
		await sleep(SETTLE_MS);

		const events = about(alertsAt('/cluster-alerts', chat.secret), hook.id).map((alert) => alert.event);
		expect(events.filter((event) => event === 'webhook.failing')).toHaveLength(1);
		expect(events.filter((event) => event === 'webhook.recovered')).toHaveLength(1);
		expect(events.filter((event) => event === 'delivery.exhausted')).toHaveLength(2 * ITEMS);
		const subjects = (await ok(a.get(`/notifications?filter[item][_eq]=${hook.id}&filter[collection][_eq]=webhooks_outgoing&sort=id&limit=-1`))).map((notification: { subject: string }) => notification.subject);
		expect(subjects).toEqual(['Webhook "cluster target" is failing', 'Webhook "cluster target": a delivery ran out of retries', 'Webhook "cluster target" recovered']);
	});
});
