// Side channels around delegated webhooks, as an attacker holding a delegated role: the delivery
// log (stored event data, bodies sent for others, filters as an oracle) and related items that
// arrive nested in a write's payload. Nothing here may show what the delegate cannot read.
// The partial read is the one every app-access policy gets on directus_users (see delegation.test).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { createDelegate, createWebhookAs as createAs, ok, receivedAt, settledDelivery } from '../harness/delegate.ts';
import { Receiver, type ReceivedRequest } from '../harness/receiver.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
const TAG = `leaks_${randomBytes(3).toString('hex')}`;
/** Readable by the delegate. */
const ARTICLES = `${TAG}_articles`;
/** Not readable by the delegate. */
const PRIVATE = `${TAG}_private`;
const admin = new ApiClient(info.url, info.token);
const delegateToken = randomBytes(24).toString('hex');
const delegate = new ApiClient(info.url, delegateToken);

let receiver: Receiver;
let delegateUser: string;
let otherUser: string;
let delegateRole: string;
const cleanup: (() => Promise<unknown>)[] = [];

function received(path: string): ReceivedRequest[] {
	return receivedAt(receiver, path);
}

function usersHook(path: string, overrides: Record<string, unknown> = {}) {
	return { name: `${TAG} ${path}`, url: receiver.url(path), actions: ['update'], collections: ['directus_users'], ...overrides };
}

/** The settled delivery of `webhook` for the item, as the admin sees it. */
function settled(webhook: number, key: number | string) {
	return settledDelivery(admin, webhook, key);
}

beforeAll(async () => {
	receiver = await Receiver.start();
	await admin.createCollection(ARTICLES, { title: 'string' });
	await admin.createCollection(PRIVATE, { title: 'string' });
	// articles.author → users, articles.secret_ref → private (M2O); private.article → articles with articles.privates (O2M).
	await ok(admin.post(`/fields/${ARTICLES}`, { field: 'author', type: 'uuid', meta: { special: ['m2o'], interface: 'select-dropdown-m2o' }, schema: {} }));
	await ok(admin.post('/relations', { collection: ARTICLES, field: 'author', related_collection: 'directus_users' }));
	await ok(admin.post(`/fields/${ARTICLES}`, { field: 'secret_ref', type: 'integer', meta: { special: ['m2o'], interface: 'select-dropdown-m2o' }, schema: {} }));
	await ok(admin.post('/relations', { collection: ARTICLES, field: 'secret_ref', related_collection: PRIVATE }));
	await ok(admin.post(`/fields/${PRIVATE}`, { field: 'article', type: 'integer', meta: { special: ['m2o'] }, schema: {} }));
	await ok(admin.post(`/fields/${ARTICLES}`, { field: 'privates', type: 'alias', meta: { special: ['o2m'], interface: 'list-o2m' } }));
	await ok(admin.post('/relations', { collection: PRIVATE, field: 'article', related_collection: ARTICLES, meta: { one_field: 'privates' } }));

	const fixture = await createDelegate(admin, TAG, delegateToken);
	delegateRole = fixture.role;
	delegateUser = fixture.user;
	for (const action of ['create', 'read', 'update']) await fixture.grant('webhooks_outgoing', action);
	await fixture.grant(ARTICLES, 'read');
	otherUser = (await ok(admin.post('/users', { email: `${TAG}-other@example.com`, password: randomBytes(12).toString('hex') }))).id;

	cleanup.push(
		() => fixture.remove(),
		() => admin.delete(`/users/${otherUser}`),
		() => admin.delete(`/collections/${ARTICLES}`),
		() => admin.delete(`/collections/${PRIVATE}`),
	);
});

afterAll(async () => {
	const hooks = await admin.get(`/webhooks?filter[name][_starts_with]=${TAG}&fields=id&limit=-1`);
	const ids = (hooks.body.data ?? []).map((row: { id: number }) => row.id);
	if (ids.length > 0) await admin.delete('/webhooks', ids);
	const users = await admin.get(`/users?filter[email][_starts_with]=${TAG}-nested&fields=id`);
	for (const user of users.body.data ?? []) await admin.delete(`/users/${user.id}`);
	for (const step of cleanup.reverse()) await step();
	await receiver?.close();
});

describe('the delivery log, read by a delegate', () => {
	it("never shows the stored event data of the delegate's own webhook, nor lets a filter, sort or aggregate use it", async () => {
		const id = await createAs(delegate, usersHook('/own-log', { include_previous: true }));
		await ok(admin.patch(`/users/${delegateUser}`, { first_name: 'Own', external_identifier: 'secret-own-log' }));
		expect((await settled(id, delegateUser)).status).toBe('succeeded');
		expect(received('/own-log')[0]!.body).not.toContain('secret-');
		// Who wrote (the admin's user and role ids) is not the delegate's to know.
		expect(JSON.parse(received('/own-log')[0]!.body)).not.toHaveProperty('accountability');

		const listed = await delegate.get(`/webhooks/${id}/deliveries?fields=*`);
		expect(JSON.stringify(listed.body)).not.toContain('secret-');
		const plain = await delegate.get(`/webhooks/${id}/deliveries`);
		expect(plain.status, JSON.stringify(plain.body)).toBe(200);
		expect(plain.body.data[0]).not.toHaveProperty('event_data');
		expect(plain.body.data[0]).toMatchObject({ item_key: delegateUser, status: 'succeeded' });
		// The delegate's own attempts hold what was sent to them: scoped, so kept.
		const one = await delegate.get(`/webhooks/${id}/deliveries/${plain.body.data[0].id}`);
		expect(one.status, JSON.stringify(one.body)).toBe(200);
		expect(JSON.stringify(one.body)).not.toContain('secret-');
		expect(one.body.data.attempts[0].request_body).toContain('"Own"');

		for (const query of ['fields=event_data', 'filter[event_data][_contains]=secret-own', 'sort=event_data', 'aggregate[count]=event_data', 'groupBy[]=event_data', 'alias[x]=event_data&fields=x']) {
			const response = await delegate.get(`/webhooks/${id}/deliveries?${query}`);
			expect(response.status, `${query}: ${JSON.stringify(response.body)}`).toBe(400);
			expect(response.body.errors[0].message, query).toMatch(/event_data|alias/);
		}
		// Allowed fields still filter and sort.
		const filtered = await delegate.get(`/webhooks/${id}/deliveries?filter[status][_eq]=succeeded&sort=-created_at&fields=id,status`);
		expect(filtered.status, JSON.stringify(filtered.body)).toBe(200);
		expect(filtered.body.data[0]).toEqual({ id: plain.body.data[0].id, status: 'succeeded' });
	});

	it("never shows the bodies an admin's webhook sent, though the delegate may read that webhook", async () => {
		const id = await createAs(admin, usersHook('/admin-log'));
		await ok(admin.patch(`/users/${otherUser}`, { external_identifier: 'secret-admin-log' }));
		const delivery = await settled(id, otherUser);
		expect(received('/admin-log')[0]!.body).toContain('secret-admin-log');
		const read = await delegate.get(`/webhooks/${id}/deliveries/${delivery.id}`);
		expect(JSON.stringify(read.body)).not.toContain('secret-');
		expect(read.status, JSON.stringify(read.body)).toBe(200);
		expect(read.body.data.attempts[0]).toMatchObject({ request_body: null, response_body: null, response_status: 200 });
		// The admin still sees everything.
		expect(JSON.stringify((await admin.get(`/webhooks/${id}/deliveries/${delivery.id}`)).body)).toContain('secret-admin-log');
	});

	it('a delegate cannot resend a skipped delivery (it would be rebuilt from data kept while the row was hidden)', async () => {
		const id = await createAs(delegate, usersHook('/skipped'));
		await ok(admin.patch(`/users/${otherUser}`, { first_name: `Other ${TAG}` }));
		const delivery = await settled(id, otherUser);
		expect(delivery.status).toBe('skipped');
		const response = await delegate.post(`/webhooks/${id}/deliveries/${delivery.id}/resend`);
		expect(response.status, JSON.stringify(response.body)).toBe(403);
		expect((await settled(id, otherUser)).status).toBe('skipped');
	});
});

describe('related items written inline', () => {
	it('reach no webhook: nested objects become their keys, so no password or unreadable row is stored or sent', async () => {
		const adminHook = await createAs(admin, { name: `${TAG} admin-nested`, url: receiver.url('/admin-nested'), actions: ['create', 'update'], collections: [ARTICLES] });
		const delegateHook = await createAs(delegate, { name: `${TAG} delegate-nested`, url: receiver.url('/delegate-nested'), actions: ['create'], collections: [ARTICLES] });
		const existing = await ok(admin.post(`/items/${PRIVATE}`, { title: 'secret-existing-private' }));
		const created = await ok(
			admin.post(`/items/${ARTICLES}`, {
				title: 'Nested',
				author: { email: `${TAG}-nested@example.com`, password: 'plain-secret-password' },
				secret_ref: { id: existing.id, title: 'secret-inline-private' },
				privates: [{ title: 'secret-o2m-private' }],
			}),
		);
		for (const webhook of [adminHook, delegateHook]) expect((await settled(webhook, created.id)).status).toBe('succeeded');
		const [toAdmin] = received('/admin-nested');
		const [toDelegate] = received('/delegate-nested');
		expect(toAdmin!.body).not.toContain('plain-secret-password');
		expect(toDelegate!.body).not.toContain('secret-');
		expect(toAdmin!.body).not.toContain('secret-');
		const payload = JSON.parse(toAdmin!.body).payload;
		expect(payload).toMatchObject({ title: 'Nested', secret_ref: existing.id, author: null });
		// The stored event data has no nested values either.
		const log = await admin.get(`/webhooks/${adminHook}/deliveries?filter[item_key][_eq]=${created.id}&fields=event_data`);
		expect(JSON.stringify(log.body)).not.toContain('plain-secret-password');

		// O2M changes become a summary: how many created, which keys updated or deleted.
		await ok(admin.patch(`/items/${ARTICLES}/${created.id}`, { privates: { create: [{ title: 'secret-o2m-change' }], update: [], delete: [] } }));
		await until(
			async () => received('/admin-nested').length,
			(count: number) => count === 2,
		);
		const change = received('/admin-nested')[1]!;
		expect(change.body).not.toContain('secret-');
		expect(JSON.parse(change.body).payload).toEqual({ privates: { create: 1, update: [], delete: [] } });
	});
});

describe("a delegate's limits on a webhook they changed", () => {
	it("stay after an admin re-enables, renames or tests it, and end only when an admin changes its url", async () => {
		const id = await createAs(admin, usersHook('/f4-admin'));
		await ok(delegate.patch(`/webhooks/${id}`, { url: receiver.url('/f4-stolen') }));
		// The delegate's receiver gets the webhook disabled; an admin turns it back on.
		receiver.respond((request) => (request.path === '/f4-stolen' ? { status: 410 } : { status: 200, body: 'ok' }));
		try {
			await ok(admin.patch(`/users/${delegateUser}`, { first_name: `Gone ${TAG}` }));
			await until(
				async () => (await admin.get(`/webhooks/${id}?fields=status`)).body.data.status,
				(status: string) => status === 'inactive',
			);
		} finally {
			receiver.respond(() => ({ status: 200, body: 'ok' }));
		}
		await ok(admin.patch(`/webhooks/${id}`, { status: 'active' }));
		await ok(admin.patch(`/webhooks/${id}`, { name: `${TAG} renamed` }));
		await ok(admin.post(`/webhooks/${id}/test`));
		await ok(admin.patch(`/users/${otherUser}`, { external_identifier: 'secret-f4-other' }));
		expect(await settled(id, otherUser)).toMatchObject({ status: 'skipped' });
		for (const request of received('/f4-stolen')) expect(request.body).not.toContain('secret-');
		// A value sent for the owner field is not taken, even from an admin.
		await ok(admin.patch(`/items/webhooks_outgoing/${id}`, { scope_owner: null, name: `${TAG} renamed again` }));
		await ok(admin.patch(`/users/${otherUser}`, { first_name: `Other again ${TAG}` }));
		await until(
			async () => (await admin.get(`/webhooks/${id}/deliveries?filter[item_key][_eq]=${otherUser}&filter[status][_eq]=skipped&fields=id`)).body.data.length,
			(count: number) => count === 2,
		);

		// An admin pointing it elsewhere takes the destination over: everything is sent again.
		await ok(admin.patch(`/webhooks/${id}`, { url: receiver.url('/f4-admin-again') }));
		await ok(admin.patch(`/users/${otherUser}`, { external_identifier: 'secret-f4-admin' }));
		await until(
			async () => received('/f4-admin-again').length,
			(count: number) => count > 0,
		);
		expect(received('/f4-admin-again')[0]!.body).toContain('secret-f4-admin');
	});
});

describe('an admin policy limited to other IP addresses', () => {
	it('does not make a webhook owner an admin at delivery, as it does not in their requests', async () => {
		const token = randomBytes(24).toString('hex');
		const ipAdmin = await ok(admin.post('/policies', { name: `${TAG} admin elsewhere`, admin_access: true, app_access: true, ip_access: ['10.255.255.1'] }));
		const user = await ok(admin.post('/users', { email: `${TAG}-ip@example.com`, password: randomBytes(12).toString('hex'), role: delegateRole, token }));
		cleanup.push(() => admin.delete(`/users/${user.id}`), () => admin.delete(`/policies/${ipAdmin.id}`));
		await ok(admin.post('/access', { user: user.id, policy: ipAdmin.id }));
		const owner = new ApiClient(info.url, token);
		expect((await owner.get('/users/me?fields=id')).status).toBe(200);
		// From here the user is not an admin: reading a collection only admins read is refused.
		expect((await owner.get(`/items/${PRIVATE}`)).status).toBe(403);

		const id = await createAs(owner, usersHook('/ip-owner'));
		await ok(admin.patch(`/users/${otherUser}`, { external_identifier: 'secret-ip-owner' }));
		expect(await settled(id, otherUser)).toMatchObject({ status: 'skipped' });
		for (const request of received('/ip-owner')) expect(request.body).not.toContain('secret-');
	});
});
