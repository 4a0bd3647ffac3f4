// Body templates, presets and send now against the real Directus and a real receiver: what arrives
// is what the receiver's own format expects, escaped, signed over the exact bytes, and logged.
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { createDelegate, ok, receivedAt, SETTLED, type Delegate } from '../harness/delegate.ts';
import { Receiver, type ReceivedRequest } from '../harness/receiver.ts';
import { signedOver, verify } from '../harness/signature.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const COLLECTION = 'e2e_templated';
const DELEGATE_TOKEN = 'templates-delegate-token-0001';
// Quotes, a backslash, a line break, an ampersand, non-ASCII and an emoji: everything that breaks naive templating.
const TITLE = 'He said "hi" \\ then left\nnext line & more = ünïcødé 😀';
let receiver: Receiver;
let delegate: Delegate;

async function createWebhook(path: string, overrides: Record<string, unknown> = {}) {
	return ok(api.post('/webhooks', { name: `tpl ${path}`, url: receiver.url(path), actions: ['create'], collections: [COLLECTION], ...overrides })) as Promise<{
		id: number;
		secret: string;
		[key: string]: unknown;
	}>;
}

async function received(path: string, count = 1): Promise<ReceivedRequest[]> {
	return until(async () => receivedAt(receiver, path), (list) => list.length >= count);
}



beforeAll(async () => {
	receiver = await Receiver.start();
	await api.createCollection(COLLECTION, { title: 'string' });
	delegate = await createDelegate(api, 'templates', DELEGATE_TOKEN);
});

afterAll(async () => {
	await api.deleteEverything(COLLECTION);
	await delegate.remove();
	await receiver.close();
});

beforeEach(() => receiver.respond(() => ({ status: 200, body: 'ok' })));

describe('body templates', () => {
	it('delivers the Slack preset as {"text": …} with the item JSON-escaped inside, signed over the bytes sent', async () => {
		const hook = await createWebhook('/slack', { preset: 'slack' });
		expect(hook).toMatchObject({ preset: 'slack', method: 'POST', content_type: 'application/json', debounce_seconds: 0 });
		expect(hook.body_template).toContain('"text"');
		const item = await ok(api.post(`/items/${COLLECTION}`, { title: TITLE }));

		const [request] = await received('/slack');
		expect(request!.headers['content-type']).toBe('application/json');
		const body = JSON.parse(request!.body);
		expect(Object.keys(body)).toEqual(['text']);
		expect(body.text).toContain(`${COLLECTION}.items.create`);
		// The payload as JSON text inside the string: the title escaped twice over, and intact once parsed.
		expect(body.text).toContain(`"title":${JSON.stringify(TITLE)}`);
		expect(body.text).toContain(`(${JSON.stringify([item.id])})`);
		expect(verify(hook.secret, request!)).toEqual(body);
	});

	it('fills an edited template with the exact value: quotes, line breaks and non-ASCII survive the trip', async () => {
		const hook = await createWebhook('/custom', { preset: 'slack', body_template: '{"text": "New: {{ payload.title }}", "id": {{ key }}, "who": {{ accountability.user }}, "nothing": {{ payload.missing }}, "empty": "{{ previous.title }}"}' });
		const item = await ok(api.post(`/items/${COLLECTION}`, { title: TITLE }));
		const [request] = await received('/custom');
		const body = JSON.parse(request!.body);
		expect(body).toEqual({ text: `New: ${TITLE}`, id: item.id, who: expect.any(String), nothing: null, empty: '' });
		expect(Buffer.byteLength(request!.body)).toBe(Number(request!.headers['content-length']));
		expect(verify(hook.secret, request!)).toEqual(body);
	});

	it('sends a form-urlencoded template as a form, each value encoded so it stays one field', async () => {
		const hook = await createWebhook('/form', { body_template: 'title={{ payload.title }}&event={{ event }}&id={{ key }}', content_type: 'application/x-www-form-urlencoded' });
		const item = await ok(api.post(`/items/${COLLECTION}`, { title: TITLE }));
		const [request] = await received('/form');
		expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
		expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({ title: TITLE, event: `${COLLECTION}.items.create`, id: String(item.id) });
		expect(signedOver(hook.secret, request!)).toBe(true);
		expect(signedOver(hook.secret, { ...request!, body: `${request!.body}&x=1` })).toBe(false);
	});

	it('fills placeholders in the URL path and query and in header values, encoded so they cannot add a header or a path', async () => {
		await createWebhook('/templated/{{ collection }}/{{ payload.title }}?event={{ event }}', { headers: [{ header: 'X-Title', value: 'title={{ payload.title }}' }] });
		await ok(api.post(`/items/${COLLECTION}`, { title: TITLE }));
		const [request] = await received(`/templated/${COLLECTION}/${encodeURIComponent(TITLE)}?event=${encodeURIComponent(`${COLLECTION}.items.create`)}`);
		const header = String(request!.headers['x-title']);
		expect(header).not.toMatch(/[\r\n]/);
		expect(decodeURIComponent(header)).toBe(`title=${TITLE}`);
		expect(Object.keys(request!.headers).filter((name) => name.startsWith('next'))).toEqual([]);
	});

	it('answers 400 naming body_template and the position, on /webhooks and on /items, and keeps a bad change from landing', async () => {
		const bad = await api.post('/webhooks', { name: 'bad', url: receiver.url('/bad'), actions: ['create'], collections: [COLLECTION], body_template: '{"text": {{ payload.title }}' });
		expect(bad.status).toBe(400);
		expect(bad.body.errors[0].message).toMatch(/body_template: is not valid JSON at line 1, column \d+/);
		const unclosed = await api.post('/items/webhooks_outgoing', { name: 'bad', url: receiver.url('/bad'), actions: ['create'], collections: [COLLECTION], body_template: 'x {{ payload.title' });
		expect(unclosed.status).toBe(400);
		expect(unclosed.body.errors[0].message).toContain('body_template: has "{{" without a closing "}}" at line 1, column 3');

		// A plain-text template is fine until the content type says JSON.
		const hook = await createWebhook('/text', { body_template: 'Title: {{ payload.title }}', content_type: 'text/plain' });
		const change = await api.patch(`/webhooks/${hook.id}`, { content_type: 'application/json' });
		expect(change.status).toBe(400);
		expect(change.body.errors[0].message).toContain('body_template: is not valid JSON');
		expect((await ok(api.get(`/webhooks/${hook.id}`))).content_type).toBe('text/plain');
		const missing = await api.post('/webhooks', { name: 'x', url: receiver.url('/x'), actions: ['create'], collections: [COLLECTION], preset: 'myspace', debounce_seconds: -5 });
		expect(missing.status).toBe(400);
		expect(missing.body.errors[0].message).toMatch(/debounce_seconds: .*; preset: must be one of/);
	});
});

describe('presets', () => {
	it('fill method, content type, template and debounce, and leave what the caller set', async () => {
		const netlify = await createWebhook('/netlify', { preset: 'netlify' });
		expect(netlify).toMatchObject({ preset: 'netlify', method: 'POST', body_template: null, debounce_seconds: 30 });
		const teams = await createWebhook('/teams', { preset: 'teams', content_type: 'application/vnd.microsoft.teams+json' });
		expect(teams.content_type).toBe('application/vnd.microsoft.teams+json');
		expect(JSON.parse(String(teams.body_template).replace(/\{\{[^}]*\}\}/g, 'x'))).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] });
		const discord = await createWebhook('/discord', { preset: 'discord', body_template: '{"content": "{{ payload.title }}"}' });
		await ok(api.post(`/items/${COLLECTION}`, { title: TITLE }));
		const [request] = await received('/discord');
		expect(JSON.parse(request!.body)).toEqual({ content: TITLE });
		expect(discord.preset).toBe('discord');
	});
});

describe('send now', () => {
	it('queues a signed webhook.manual delivery with the given body, sent at once and kept in the log', async () => {
		const hook = await createWebhook('/manual', { preset: 'vercel' });
		const delivery = await ok(api.post(`/webhooks/${hook.id}/trigger`, { reason: 'deploy "now"' }));
		expect(delivery).toMatchObject({ webhook: hook.id, event: 'webhook.manual', status: expect.any(String) });
		const [request] = await received('/manual');
		const body = verify(hook.secret, request!) as Record<string, unknown>;
		expect(body).toMatchObject({ event: 'webhook.manual', webhook: { id: hook.id, name: hook.name }, payload: { reason: 'deploy "now"' }, accountability: { user: expect.any(String) } });
		const log = await until(async () => ok(api.get(`/webhooks/${hook.id}/deliveries`)), (list: { id: number; status: string }[]) => list.some((entry) => entry.id === delivery.id && SETTLED.includes(entry.status)));
		expect(log.find((entry: { id: number }) => entry.id === delivery.id)).toMatchObject({ status: 'succeeded', event: 'webhook.manual' });
	});

	it('applies the template to a manual send, and sends without a body when none is given', async () => {
		const hook = await createWebhook('/manual-template', { body_template: '{"text": "Manual: {{ payload.reason }} by {{ webhook.name }}", "event": "{{ event }}"}' });
		await ok(api.post(`/webhooks/${hook.id}/trigger`, { reason: 'release' }));
		await ok(api.post(`/webhooks/${hook.id}/trigger`));
		const requests = await received('/manual-template', 2);
		const bodies = requests.map((request) => JSON.parse(request.body));
		expect(bodies).toContainEqual({ text: `Manual: release by ${hook.name}`, event: 'webhook.manual' });
		expect(bodies).toContainEqual({ text: `Manual:  by ${hook.name}`, event: 'webhook.manual' });
	});

	it('refuses callers who may not update the webhook, unknown ids alike, and bodies it cannot store', async () => {
		const hook = await createWebhook('/manual-refused');
		const asDelegate = api.withToken(DELEGATE_TOKEN);
		const readOnly = await delegate.grant('webhooks_outgoing', 'read');
		expect((await asDelegate.post(`/webhooks/${hook.id}/trigger`, {})).status).toBe(403);
		expect((await api.withToken(null).post(`/webhooks/${hook.id}/trigger`, {})).status).toBe(403);
		expect((await api.post('/webhooks/999999/trigger', {})).status).toBe(403);
		// An inactive webhook would only skip the delivery: refused, and said so.
		await ok(api.patch(`/webhooks/${hook.id}`, { status: 'inactive' }));
		const inactive = await api.post(`/webhooks/${hook.id}/trigger`, {});
		expect(inactive.status).toBe(409);
		expect(inactive.body.errors[0].extensions.code).toBe('WEBHOOK_INACTIVE');
		expect((await asDelegate.post(`/webhooks/${hook.id}/trigger`, {})).status).toBe(403);
		await ok(api.patch(`/webhooks/${hook.id}`, { status: 'active' }));
		const large = await api.post(`/webhooks/${hook.id}/trigger`, { blob: 'x'.repeat(70 * 1024) });
		expect(large.status).toBe(413);
		let deep: unknown = 1;
		for (let level = 0; level < 40; level++) deep = [deep];
		const nested = await api.post(`/webhooks/${hook.id}/trigger`, deep);
		expect(nested.status).toBe(400);
		expect(nested.body.errors[0].message).toContain('(body): must be JSON nested at most');
		await new Promise((done) => setTimeout(done, 500));
		expect(receivedAt(receiver, '/manual-refused')).toEqual([]);
		await api.delete(`/permissions/${readOnly}`);
	});
});
