// Redaction: values Directus keeps secret — SSO refresh tokens in directus_users.auth_data, fields
// it stores encrypted (`special: encrypt`, e.g. the settings' AI API keys) — never leave through a
// webhook, not even an admin's: not in the event payload, `previous`, `item`, the outbox rows or
// the attempt log.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { connect } from '../harness/databases.ts';
import { Receiver, type ReceivedRequest } from '../harness/receiver.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const TAG = `redact_${randomBytes(3).toString('hex')}`;
const MASK = '**********';
let receiver: Receiver;
const hooks: number[] = [];

async function createWebhook(path: string, overrides: Record<string, unknown>): Promise<number> {
	const response = await api.post('/webhooks', { name: `${TAG} ${path}`, url: receiver.url(path), actions: ['update'], include_previous: true, ...overrides });
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	hooks.push(response.body.data.id);
	return response.body.data.id;
}

const bodiesAt = async (path: string, count: number) =>
	(await until(async () => receiver.requests.filter((request: ReceivedRequest) => request.path === path), (list) => list.length >= count)).map((request) => JSON.parse(request.body));

/** Everything the outbox and the attempt log hold for these webhooks, as one text. */
async function storedText(webhooks: number[]): Promise<string> {
	const db = connect({ kind: info.kind, name: info.database, env: info.env });
	try {
		const deliveries = await db('webhooks_deliveries').whereIn('webhook', webhooks).select('*');
		const attempts = await db('webhooks_attempts').whereIn('webhook', webhooks).select('*');
		expect(deliveries.length).toBeGreaterThan(0);
		expect(attempts.length).toBeGreaterThan(0);
		return JSON.stringify([deliveries, attempts]);
	} finally {
		await db.destroy();
	}
}

beforeAll(async () => {
	receiver = await Receiver.start();
});

afterAll(async () => {
	if (hooks.length > 0) await api.delete('/webhooks', hooks);
	await api.patch('/settings', { ai_openai_api_key: null });
	const users = await api.get(`/users?filter[email][_starts_with]=${TAG}&fields=id`);
	for (const { id } of users.body.data ?? []) await api.delete(`/users/${id}`);
	const roles = await api.get(`/roles?filter[name][_eq]=${TAG}&fields=id`);
	for (const { id } of roles.body.data ?? []) await api.delete(`/roles/${id}`);
	await receiver.close();
});

describe('redaction in deliveries of an admin webhook', () => {
	it('masks directus_users.auth_data (SSO refresh tokens) in payload, previous, item, outbox and attempt log', async () => {
		const events = await createWebhook('/users-event', { collections: ['directus_users'] });
		// The item with its role and that role's users: the user's own auth_data again, one relation deeper.
		const items = await createWebhook('/users-item', { collections: ['directus_users'], payload: 'item', fields: ['*', 'role.users.*'] });
		const role = await api.post('/roles', { name: TAG });
		expect(role.status, JSON.stringify(role.body)).toBe(200);
		const before = `sso-refresh-before-${randomBytes(8).toString('hex')}`;
		const after = `sso-refresh-after-${randomBytes(8).toString('hex')}`;
		const user = await api.post('/users', { email: `${TAG}@example.com`, provider: 'default', role: role.body.data.id });
		expect(user.status, JSON.stringify(user.body)).toBe(200);
		const id = user.body.data.id;
		// What an SSO login leaves behind (Directus writes it itself, outside any event).
		const db = connect({ kind: info.kind, name: info.database, env: info.env });
		try {
			await db('directus_users').where({ id }).update({ auth_data: JSON.stringify({ refreshToken: before }) });
		} finally {
			await db.destroy();
		}
		const patched = await api.patch(`/users/${id}`, { first_name: 'Sso', auth_data: JSON.stringify({ refreshToken: after }) });
		expect(patched.status, JSON.stringify(patched.body)).toBe(200);

		const [event] = await bodiesAt('/users-event', 1);
		expect(event.payload.first_name).toBe('Sso');
		expect(event.payload.auth_data).toBe(MASK);
		expect(event.previous.auth_data).toBe(MASK);
		const [item] = await bodiesAt('/users-item', 1);
		expect(item.item.first_name).toBe('Sso');
		expect(item.item.auth_data).toBe(MASK);
		const nested = item.item.role.users.find((entry: { id: string }) => entry.id === id);
		expect(nested.first_name).toBe('Sso');
		expect(nested.auth_data).toBe(MASK);

		await until(async () => (await api.get(`/webhooks/${items}/deliveries`)).body.data, (list: { status: string }[]) => list.every((row) => row.status === 'succeeded'));
		const everywhere = JSON.stringify(receiver.requests.map((request) => request.body)) + (await storedText([events, items]));
		for (const token of [before, after]) expect(everywhere.includes(token), 'a refresh token left Directus').toBe(false);
	});

	it('masks encrypted settings fields (the AI API keys) in payload, previous, item, outbox and attempt log', async () => {
		const events = await createWebhook('/settings-event', { collections: ['directus_settings'] });
		const items = await createWebhook('/settings-item', { collections: ['directus_settings'], payload: 'item' });
		const first = `sk-first-${randomBytes(12).toString('hex')}`;
		const second = `sk-second-${randomBytes(12).toString('hex')}`;
		const set = await api.patch('/settings', { ai_openai_api_key: first });
		expect(set.status, JSON.stringify(set.body)).toBe(200);
		// The first write's deliveries are done before the second, whose `previous` holds the first key.
		await bodiesAt('/settings-event', 1);
		const settings = await api.patch('/settings', { ai_openai_api_key: second, project_name: TAG });
		expect(settings.status, JSON.stringify(settings.body)).toBe(200);

		const bodies = await bodiesAt('/settings-event', 2);
		const last = bodies.find((body) => body.payload.project_name === TAG);
		expect(last.payload.ai_openai_api_key).toBe(MASK);
		expect(last.previous.ai_openai_api_key).toBe(MASK);
		const item = (await bodiesAt('/settings-item', 2)).find((body) => body.item.project_name === TAG);
		expect(item.item.ai_openai_api_key).toBe(MASK);

		await until(async () => (await api.get(`/webhooks/${events}/deliveries`)).body.data, (list: { status: string }[]) => list.length >= 2 && list.every((row) => row.status === 'succeeded'));
		const everywhere = JSON.stringify(receiver.requests.map((request) => request.body)) + (await storedText([events, items]));
		for (const key of [first, second]) expect(everywhere.includes(key), 'an API key left Directus').toBe(false);
	});
});
