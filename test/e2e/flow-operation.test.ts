// The Flow operation "Send webhook (managed)" in real Flows on the real Directus: a manual Flow
// sends through the outbox (signed, logged, with the Flow data filled in), as whoever ran it, so a
// user who may not update the webhook sends nothing; a bad option rejects the operation only. And
// in the Data Studio: the Flow canvas shows its overview, its editor the picked webhook.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appSession } from '../harness/app-session.ts';
import { hasChromium } from '../harness/browser.ts';
import { ApiClient } from '../harness/client.ts';
import { createDelegate, ok, receivedAt, SETTLED, type Delegate } from '../harness/delegate.ts';
import { Receiver } from '../harness/receiver.ts';
import { verify } from '../harness/signature.ts';
import { sleep, until } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const COLLECTION = `e2e_flow_send_${randomBytes(3).toString('hex')}`;
const DELEGATE_TOKEN = randomBytes(24).toString('hex');
// The body a Flow author would write: whole values and text with Flow data in it.
const BODY = { keys: '{{$trigger.body.keys}}', collection: '{{$trigger.body.collection}}', user: '{{$accountability.user}}', note: 'run on {{$trigger.body.collection}}' };
let receiver: Receiver;
let delegate: Delegate;
const flows: string[] = [];

interface Step {
	key: string;
	status: string;
}

/** A webhook on COLLECTION's deletes, which these tests never make: only Flows send to it. */
async function createWebhook(path: string) {
	return ok(api.post('/webhooks', { name: `flow ${path}`, url: receiver.url(path), actions: ['delete'], collections: [COLLECTION] })) as Promise<{ id: number; name: string; secret: string }>;
}

/** An active manual Flow on COLLECTION, run synchronously, whose one operation is `webhooks-send`. */
async function sendFlow(options: Record<string, unknown>): Promise<string> {
	const flow = await ok(api.post('/flows', { name: `e2e send ${flows.length}`, status: 'active', trigger: 'manual', accountability: 'all', options: { collections: [COLLECTION], async: false } }));
	flows.push(flow.id);
	const operation = await ok(api.post('/operations', { name: 'Send', key: 'send', type: 'webhooks-send', position_x: 19, position_y: 1, flow: flow.id, options }));
	await ok(api.patch(`/flows/${flow.id}`, { operation: operation.id }));
	return flow.id;
}

/** Runs the Flow as `client` from the item's page, as the Data Studio's flow button does. */
function run(client: ApiClient, flow: string, keys: number[]) {
	return client.post(`/flows/trigger/${flow}`, { collection: COLLECTION, keys });
}

/** The steps and data of the Flow's latest run, from its revision (accountability: 'all'). */
async function lastRun(flow: string): Promise<{ steps: Step[]; data: Record<string, unknown> }> {
	const [revision] = await ok(api.get(`/revisions?filter[collection][_eq]=directus_flows&filter[item][_eq]=${flow}&sort=-id&limit=1&fields=data`));
	expect(revision, 'the Flow run was logged').toBeDefined();
	return revision.data;
}

beforeAll(async () => {
	receiver = await Receiver.start();
	await api.createCollection(COLLECTION, { title: 'string' });
	delegate = await createDelegate(api, 'flow-operation', DELEGATE_TOKEN);
	await delegate.grant(COLLECTION, 'read');
	// Reading the webhook is not enough: sending it needs update permission.
	await delegate.grant('webhooks_outgoing', 'read');
});

afterAll(async () => {
	for (const flow of flows) await api.delete(`/flows/${flow}`);
	await api.deleteEverything(COLLECTION);
	await delegate.remove();
	await receiver.close();
});

describe('Flow operation webhooks-send', () => {
	it('a manual Flow run by an admin sends one signed webhook.manual delivery with the Flow data, logged, and gives the Flow its ids', async () => {
		const hook = await createWebhook('/flow');
		const item = await ok(api.post(`/items/${COLLECTION}`, { title: 'first' }));
		const me = await ok(api.get('/users/me?fields=id'));
		// The webhook as the item picker stores it.
		const flow = await sendFlow({ webhook: { key: hook.id, collection: 'webhooks_outgoing' }, body: BODY });

		const response = await run(api, flow, [item.id]);
		expect(response.status, JSON.stringify(response.body)).toBe(200);
		// A manual trigger answers with $last: the operation's result.
		expect(response.body).toEqual({ delivery: expect.any(Number), webhook_id: hook.id });
		const { delivery } = response.body as { delivery: number };

		const [request] = await until(async () => receivedAt(receiver, '/flow'), (list) => list.length > 0);
		const body = verify(hook.secret, request!) as Record<string, unknown>;
		expect(body).toMatchObject({
			event: 'webhook.manual',
			webhook: { id: hook.id, name: hook.name },
			payload: { keys: [item.id], collection: COLLECTION, user: me.id, note: `run on ${COLLECTION}` },
			accountability: { user: me.id },
		});
		const log = await until(async () => ok(api.get(`/webhooks/${hook.id}/deliveries`)), (list: { id: number; status: string }[]) => list.some((entry) => entry.id === delivery && SETTLED.includes(entry.status)));
		expect(log).toHaveLength(1);
		expect(log[0]).toMatchObject({ id: delivery, status: 'succeeded', event: 'webhook.manual' });
		const { steps, data } = await lastRun(flow);
		expect(steps).toMatchObject([{ key: 'send', status: 'resolve' }]);
		expect(data.send).toEqual({ delivery, webhook_id: hook.id });
		await sleep(500); // a second send would show by now
		expect(receivedAt(receiver, '/flow')).toHaveLength(1);
	});

	it('a Flow run by a user who may read but not update the webhook sends nothing; update permission lets it send as them', async () => {
		const hook = await createWebhook('/flow-delegate');
		const item = await ok(api.post(`/items/${COLLECTION}`, { title: 'second' }));
		const flow = await sendFlow({ webhook: hook.id, body: BODY });
		const asDelegate = api.withToken(DELEGATE_TOKEN);

		const refused = await run(asDelegate, flow, [item.id]);
		// The trigger let the run through (the delegate reads the item); the operation rejected.
		expect(refused.status, JSON.stringify(refused.body)).toBe(200);
		expect(refused.body).toMatchObject({ code: 'FORBIDDEN' });
		expect((await lastRun(flow)).steps).toMatchObject([{ key: 'send', status: 'reject' }]);
		await sleep(1500);
		expect(receivedAt(receiver, '/flow-delegate')).toEqual([]);
		expect(await ok(api.get(`/webhooks/${hook.id}/deliveries`))).toEqual([]);

		const update = await delegate.grant('webhooks_outgoing', 'update');
		try {
			const sent = await run(asDelegate, flow, [item.id]);
			expect(sent.body).toEqual({ delivery: expect.any(Number), webhook_id: hook.id });
			const [request] = await until(async () => receivedAt(receiver, '/flow-delegate'), (list) => list.length > 0);
			const body = verify(hook.secret, request!) as Record<string, unknown>;
			// The whole body in the message: a diff of a long object can be cut short in CI output.
			expect(body, JSON.stringify(body)).toMatchObject({ event: 'webhook.manual', accountability: { user: delegate.user }, payload: { user: delegate.user, keys: [item.id] } });
		} finally {
			await api.delete(`/permissions/${update}`);
		}
	});

	it('an unknown webhook or a malformed option rejects the operation; the server keeps answering', async () => {
		const item = await ok(api.post(`/items/${COLLECTION}`, { title: 'third' }));
		for (const [webhook, code] of [['999999', 'FORBIDDEN'], ['not an id', 'INVALID_PAYLOAD']] as const) {
			const flow = await sendFlow({ webhook, body: '{"a": 1}' });
			const response = await run(api, flow, [item.id]);
			expect(response.status, JSON.stringify(response.body)).toBe(200);
			expect(response.body).toMatchObject({ code });
			expect((await lastRun(flow)).steps).toMatchObject([{ key: 'send', status: 'reject' }]);
		}
		const ping = await api.get('/server/ping');
		expect(ping.status).toBe(200);
		expect(ping.body).toBe('pong');
	});
});

describe.skipIf(!hasChromium)('Flow operation webhooks-send in the Data Studio', () => {
	const session = appSession(info.url);

	it('the canvas shows the operation with its overview; its editor shows the picked webhook by name', async () => {
		const hook = await createWebhook('/flow-app');
		const flow = await sendFlow({ webhook: { key: hook.id, collection: 'webhooks_outgoing' }, body: BODY });
		const [operation] = await ok(api.get(`/operations?filter[flow][_eq]=${flow}&fields=id`));

		await session.page.goto(`${info.url}/admin/settings/flows/${flow}`);
		const tile = session.page.locator('.v-workspace-tile.operation[type="webhooks-send"]');
		await tile.getByText('Send webhook (managed)').waitFor();
		const overview = (await tile.locator('.options-overview').innerText()).replace(/\s+/g, ' ').trim();
		expect(overview).toBe(`Webhook #${hook.id} Body Set`);

		await session.page.goto(`${info.url}/admin/settings/flows/${flow}/${operation.id}`);
		const drawer = session.page.locator('.v-drawer').last();
		await drawer.getByText(hook.name, { exact: true }).waitFor();
		expect(await drawer.getByText('{{$trigger.body.keys}}').count()).toBeGreaterThan(0);
		expect(session.errors).toEqual([]);
	}, 120_000); // the app's first load is slow on a busy machine
});
