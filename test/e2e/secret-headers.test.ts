// Secret header values of outgoing webhooks (e.g. an admin's `Authorization: Bearer …`): once saved
// they are never shown again, not by switching `secret` off with the mask as value, not by pointing
// the webhook at another URL (a delegate with update rights would receive the admin's token), and
// they are sealed in the database, so the table and Directus's query log never hold them in clear.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { connect } from '../harness/databases.ts';
import { Receiver } from '../harness/receiver.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
const admin = new ApiClient(info.url, info.token);
const delegateToken = randomBytes(24).toString('hex');
const delegate = new ApiClient(info.url, delegateToken);
const anonymous = new ApiClient(info.url, null);
const TAG = `sechdr_${randomBytes(3).toString('hex')}`;
const COLLECTION = `${TAG}_notes`;
const MASK = '**********';
const NEEDS_VALUES = 'secret header values must be entered again when the URL changes';

let receiver: Receiver;
let role: string;
let lastWebhook = 0;
/** Every secret value this file saved: none may come back in a response, a log or a table. */
const secrets: string[] = [];

const newSecret = (name: string) => {
	const value = `${name}-${randomBytes(12).toString('hex')}`;
	secrets.push(value);
	return value;
};

/** A webhook of the admin with a bearer token and a plain header. */
async function adminWebhook(path: string): Promise<{ id: number; token: string }> {
	const token = newSecret('bearer');
	const created = await admin.post('/webhooks', {
		name: `${TAG} ${path}`,
		url: receiver.url(path),
		actions: ['create'],
		collections: [COLLECTION],
		headers: [
			{ header: 'Authorization', value: `Bearer ${token}`, secret: true },
			{ header: 'X-Plain', value: 'plain' },
		],
	});
	expect(created.status, JSON.stringify(created.body)).toBe(200);
	lastWebhook = created.body.data.id;
	return { id: created.body.data.id, token };
}

/** Sends a test event and returns the request the receiver got for it. */
async function deliverTest(webhook: number, path: string) {
	const before = receiver.requests.filter((request) => request.path === path).length;
	const test = await admin.post(`/webhooks/${webhook}/test`);
	expect(test.status, JSON.stringify(test.body)).toBe(200);
	const requests = await until(async () => receiver.requests.filter((request) => request.path === path), (list) => list.length > before);
	return requests[requests.length - 1]!;
}

async function storedHeaders(webhook: number): Promise<string> {
	const db = connect({ kind: info.kind, name: info.database, env: info.env });
	try {
		const row = await db('webhooks_outgoing').where({ id: webhook }).first('headers');
		return typeof row.headers === 'string' ? row.headers : JSON.stringify(row.headers);
	} finally {
		await db.destroy();
	}
}

async function writeHeadersRaw(webhook: number, headers: unknown): Promise<void> {
	const db = connect({ kind: info.kind, name: info.database, env: info.env });
	try {
		await db('webhooks_outgoing').where({ id: webhook }).update({ headers: JSON.stringify(headers) });
	} finally {
		await db.destroy();
	}
}

function expectHeadersRefused(response: { status: number; body: any }, reason: RegExp | string) {
	expect(response.status, JSON.stringify(response.body)).toBe(400);
	const fields: { field: string; reason: string }[] = response.body.errors[0].extensions.errors;
	const named = fields.filter((error) => /^headers/.test(error.field));
	expect(named.some((error) => (typeof reason === 'string' ? error.reason.includes(reason) : reason.test(error.reason))), JSON.stringify(fields)).toBe(true);
}

beforeAll(async () => {
	receiver = await Receiver.start();
	await admin.createCollection(COLLECTION, { title: 'string' });
	// A delegate as the README describes one: may read and update webhooks, and read what they watch.
	const policy = await admin.post('/policies', { name: `${TAG} webhook editors`, app_access: true, admin_access: false });
	expect(policy.status, JSON.stringify(policy.body)).toBe(200);
	for (const [collection, action] of [['webhooks_outgoing', 'read'], ['webhooks_outgoing', 'update'], [COLLECTION, 'read']]) {
		const permission = await admin.post('/permissions', { policy: policy.body.data.id, collection, action, fields: ['*'], permissions: {} });
		expect(permission.status, JSON.stringify(permission.body)).toBe(200);
	}
	const created = await admin.post('/roles', { name: `${TAG} delegate` });
	role = created.body.data.id;
	await admin.post('/access', { role, policy: policy.body.data.id });
	const user = await admin.post('/users', { email: `${TAG}@example.com`, password: randomBytes(12).toString('hex'), role, token: delegateToken });
	expect(user.status, JSON.stringify(user.body)).toBe(200);
});

afterAll(async () => {
	const hooks = await admin.get(`/webhooks?filter[name][_starts_with]=${TAG}&fields=id&limit=-1`);
	const ids = (hooks.body.data ?? []).map((row: { id: number }) => row.id);
	if (ids.length > 0) await admin.delete('/webhooks', ids);
	const users = await admin.get(`/users?filter[email][_eq]=${TAG}@example.com&fields=id`);
	for (const { id } of users.body.data ?? []) await admin.delete(`/users/${id}`);
	if (role) await admin.delete(`/roles/${role}`);
	const policies = await admin.get(`/policies?filter[name][_starts_with]=${TAG}&fields=id`);
	for (const { id } of policies.body.data ?? []) await admin.delete(`/policies/${id}`);
	await admin.delete(`/collections/${COLLECTION}`);
	await receiver?.close();
});

describe('secret header values: restoring a masked value', () => {
	it('cannot turn a secret header into a plain one and so reveal its value', async () => {
		const hook = await adminWebhook('/unmask');
		for (const client of [delegate, admin]) {
			const patched = await client.patch(`/webhooks/${hook.id}`, { headers: [{ header: 'Authorization', value: MASK, secret: false }, { header: 'X-Plain', value: 'plain' }] });
			expectHeadersRefused(patched, /enter the value again/);
			const viaItems = await client.patch(`/items/webhooks_outgoing/${hook.id}`, { headers: [{ header: 'authorization', value: MASK }] });
			expectHeadersRefused(viaItems, /enter the value again/);
		}
		const read = await delegate.get(`/webhooks/${hook.id}`);
		expect(read.body.data.headers).toEqual([{ header: 'Authorization', value: MASK, secret: true }, { header: 'X-Plain', value: 'plain' }]);
		expect(JSON.stringify(read.body)).not.toContain(hook.token);
		// And the value still reaches the receiver it was meant for.
		expect((await deliverTest(hook.id, '/unmask')).headers.authorization).toBe(`Bearer ${hook.token}`);
	});

	it('keeps the stored value when the mask comes back on a header that stays secret (what the app sends)', async () => {
		const hook = await adminWebhook('/keep');
		const patched = await delegate.patch(`/webhooks/${hook.id}`, { description: 'renamed', headers: [{ header: 'Authorization', value: MASK, secret: true }, { header: 'X-Plain', value: 'changed' }] });
		expect(patched.status, JSON.stringify(patched.body)).toBe(200);
		expect(patched.body.data.headers).toEqual([{ header: 'Authorization', value: MASK, secret: true }, { header: 'X-Plain', value: 'changed' }]);
		const request = await deliverTest(hook.id, '/keep');
		expect(request.headers.authorization).toBe(`Bearer ${hook.token}`);
		expect(request.headers['x-plain']).toBe('changed');
	});
});

describe('secret header values: changing the URL', () => {
	it('is refused, naming headers, while a secret header keeps its stored value', async () => {
		const hook = await adminWebhook('/owner');
		const attempts = [
			{ url: receiver.url('/thief') },
			{ url: receiver.url('/thief'), headers: [{ header: 'Authorization', value: MASK, secret: true }, { header: 'X-Plain', value: 'plain' }] },
			{ url: receiver.url('/thief'), headers: [{ header: 'X-Plain', value: 'plain' }, { header: 'Authorization', value: MASK, secret: true }] },
		];
		for (const body of attempts) {
			expectHeadersRefused(await delegate.patch(`/webhooks/${hook.id}`, body), NEEDS_VALUES);
			expectHeadersRefused(await delegate.patch(`/items/webhooks_outgoing/${hook.id}`, body), NEEDS_VALUES);
		}
		const graphql = await delegate.post('/graphql', { query: `mutation { update_webhooks_outgoing_item(id: ${hook.id}, data: { url: "${receiver.url('/thief')}" }) { id } }` });
		expect(JSON.stringify(graphql.body.errors)).toContain(NEEDS_VALUES);
		// Who may not update the webhook learns nothing about it: the same 403 whatever is stored.
		for (const path of [`/webhooks/${hook.id}`, `/items/webhooks_outgoing/${hook.id}`]) {
			expect((await anonymous.patch(path, { url: receiver.url('/thief') })).status).toBe(403);
			expect((await anonymous.patch(path, { url: receiver.url('/owner') })).status).toBe(403);
		}
		const read = await admin.get(`/webhooks/${hook.id}`);
		expect(read.body.data.url).toBe(receiver.url('/owner'));
		await deliverTest(hook.id, '/owner');
		expect(receiver.requests.filter((request) => request.path === '/thief')).toEqual([]);
	});

	it('is accepted with new values, and the new receiver never gets the old ones', async () => {
		const hook = await adminWebhook('/moving');
		const fresh = newSecret('fresh');
		const moved = await delegate.patch(`/webhooks/${hook.id}`, { url: receiver.url('/moved'), headers: [{ header: 'Authorization', value: `Bearer ${fresh}`, secret: true }, { header: 'X-Plain', value: 'plain' }] });
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);
		const request = await deliverTest(hook.id, '/moved');
		expect(request.headers.authorization).toBe(`Bearer ${fresh}`);
		// Dropping the secret header is another way to move on.
		const dropped = await admin.patch(`/webhooks/${hook.id}`, { url: receiver.url('/moved-again'), headers: [{ header: 'X-Plain', value: 'plain' }] });
		expect(dropped.status, JSON.stringify(dropped.body)).toBe(200);
		// The same URL again is no change.
		const same = await admin.patch(`/webhooks/${hook.id}`, { url: receiver.url('/moved-again'), description: 'same url' });
		expect(same.status, JSON.stringify(same.body)).toBe(200);
		const bodies = receiver.requests.filter((request) => request.path.startsWith('/moved')).map((request) => JSON.stringify(request.headers));
		for (const body of bodies) expect(body).not.toContain(hook.token);
	});
});

describe('secret header values: with other bad fields', () => {
	const fieldsOf = (response: { status: number; body: any }): string[] => {
		expect(response.status, JSON.stringify(response.body)).toBe(400);
		return (response.body.errors[0].extensions.errors as { field: string }[]).map((error) => error.field).sort();
	};

	it('answers a field error and a stored-value error in one 400, through /webhooks and /items', async () => {
		const hook = await adminWebhook('/together');
		for (const path of [`/webhooks/${hook.id}`, `/items/webhooks_outgoing/${hook.id}`]) {
			// A new URL needs the secret values again; the method is wrong too.
			expect(fieldsOf(await delegate.patch(path, { url: receiver.url('/together-elsewhere'), method: 'BREW' })), path).toEqual(['headers', 'method']);
			// The mask on a header no longer secret; the name is empty too.
			const unmasked = await delegate.patch(path, { name: '', headers: [{ header: 'Authorization', value: MASK, secret: false }, { header: 'X-Plain', value: 'plain' }] });
			expect(fieldsOf(unmasked), path).toEqual(['headers[0].value', 'name']);
		}
		expect((await admin.get(`/webhooks/${hook.id}`)).body.data.url).toBe(receiver.url('/together'));
	});
});

describe('secret header values: at rest', () => {
	it('are sealed in the table and still sent in clear', async () => {
		const hook = await adminWebhook('/sealed');
		const stored = await storedHeaders(hook.id);
		expect(stored).not.toContain(hook.token);
		expect(stored).toMatch(/wh1:[A-Za-z0-9_-]{16}:/);
		// Only secret values are sealed: plain ones stay readable in the table.
		expect(stored).toContain('plain');
		expect((await deliverTest(hook.id, '/sealed')).headers.authorization).toBe(`Bearer ${hook.token}`);
		// The attempt log keeps them masked.
		const deliveries = await admin.get(`/webhooks/${hook.id}/deliveries`);
		const detail = await until(async () => (await admin.get(`/webhooks/${hook.id}/deliveries/${deliveries.body.data[0].id}`)).body.data, (data: any) => data?.attempts?.length > 0);
		expect(detail.attempts[0].request_headers.authorization).toBe(MASK);
	});

	it('written in clear by an earlier version still work, and are sealed on the next save', async () => {
		const hook = await adminWebhook('/legacy');
		const legacy = newSecret('legacy');
		await writeHeadersRaw(hook.id, [{ header: 'Authorization', value: `Bearer ${legacy}`, secret: true }]);
		// Any save reloads the config; the mask sent back keeps the stored value and seals it.
		const saved = await admin.patch(`/webhooks/${hook.id}`, { headers: [{ header: 'Authorization', value: MASK, secret: true }] });
		expect(saved.status, JSON.stringify(saved.body)).toBe(200);
		expect(saved.body.data.headers).toEqual([{ header: 'Authorization', value: MASK, secret: true }]);
		expect(await storedHeaders(hook.id)).not.toContain(legacy);
		expect((await deliverTest(hook.id, '/legacy')).headers.authorization).toBe(`Bearer ${legacy}`);

		// A clear value left as it was (never saved again) is sent as it is.
		await writeHeadersRaw(hook.id, [{ header: 'Authorization', value: `Bearer ${legacy}-2`, secret: true }]);
		await admin.patch(`/webhooks/${hook.id}`, { description: 'reload' });
		expect((await deliverTest(hook.id, '/legacy')).headers.authorization).toBe(`Bearer ${legacy}-2`);
		expect((await admin.get(`/webhooks/${hook.id}`)).body.data.headers[0].value).toBe(MASK);
	});

	it('never appear in the Directus log', () => {
		const log = readFileSync(info.logFile, 'utf8');
		// The right log, with this file's requests in it.
		expect(log).toContain(`/webhooks/${lastWebhook}/test`);
		for (const secret of secrets) expect(log.includes(secret), 'a secret header value is in the log').toBe(false);
	});
});
