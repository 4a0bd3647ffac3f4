// Delegated webhook management, as an attacker holding it: a role with create/read/update on
// webhooks_outgoing and partial read elsewhere must never receive, through a webhook, anything it
// could not read itself. Admins' webhooks keep sending everything.
// Directus 12.4 refuses custom field lists and row rules in permissions without a licence
// (403 RESOURCE_RESTRICTED), so the partial read used here is the one every app-access policy
// gets: directus_users, its own row only and without token, auth_data, external_identifier...
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, type TestContext } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { SETTLED, createDelegate, createWebhookAs as createAs, ok, receivedAt, settledDelivery } from '../harness/delegate.ts';
import { Receiver, type ReceivedRequest } from '../harness/receiver.ts';
import { sleep, until } from '../harness/wait.ts';

const info = inject('directus');
const TAG = `deleg_${randomBytes(3).toString('hex')}`;
/** Readable by the delegate, until a test takes that away. */
const ARTICLES = `${TAG}_articles`;
/** Not readable by the delegate at all. */
const PRIVATE = `${TAG}_private`;
const admin = new ApiClient(info.url, info.token);
const delegateToken = randomBytes(24).toString('hex');
const delegate = new ApiClient(info.url, delegateToken);

let receiver: Receiver;
let delegateUser: string;
/** Another user: its row is not readable by the delegate. */
let otherUser: string;
let delegateRole: string;
let delegatePolicy: string;
let adminRole: string;
let articlesReadPermission: number;
const cleanup: (() => Promise<unknown>)[] = [];

const hex = () => randomBytes(3).toString('hex');

function received(path: string): ReceivedRequest[] {
	return receivedAt(receiver, path);
}

/** A webhook body the delegate could legitimately create, at a receiver path of its own. */
function hook(path: string, overrides: Record<string, unknown> = {}) {
	return { name: `${TAG} ${path}`, url: receiver.url(path), actions: ['create', 'update'], collections: [ARTICLES], ...overrides };
}

/** Update events of users, the collection the delegate reads partially. */
function usersHook(path: string, overrides: Record<string, unknown> = {}) {
	return hook(path, { actions: ['update'], collections: ['directus_users'], ...overrides });
}

async function updateUser(id: string, values: Record<string, unknown>): Promise<void> {
	const response = await admin.patch(`/users/${id}`, values);
	expect(response.status, JSON.stringify(response.body)).toBe(200);
}

async function article(values: Record<string, unknown>): Promise<number> {
	const response = await admin.post(`/items/${ARTICLES}`, values);
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	return response.body.data.id;
}

/** The settled delivery of `webhook` for the item (sent, skipped or failed). */
function deliveryOf(webhook: number, key: number | string) {
	return settledDelivery(admin, webhook, key);
}

/**
 * A collection the delegate reads only where status is published, or a skip: Directus 12.4 without
 * a licence refuses such row rules (403 RESOURCE_RESTRICTED). Directus 11 runs these tests.
 */
async function rowRuleCollection(context: TestContext, name: string): Promise<string> {
	const collection = `${TAG}_${name}`;
	await admin.createCollection(collection, { title: 'string', status: 'string' });
	cleanup.push(() => admin.delete(`/collections/${collection}`));
	const rule = await admin.post('/permissions', { policy: delegatePolicy, collection, action: 'read', fields: ['*'], permissions: { status: { _eq: 'published' } } });
	if (rule.status === 403 && rule.body.errors?.[0]?.extensions?.code === 'RESOURCE_RESTRICTED') {
		context.skip('this Directus refuses custom row rules without a licence (403 RESOURCE_RESTRICTED); Directus 11 runs this test');
	}
	expect(rule.status, JSON.stringify(rule.body)).toBe(200);
	return collection;
}

/** Update and delete events of a row-rule collection, with previous values. */
function draftsHook(collection: string, path: string, overrides: Record<string, unknown> = {}) {
	return hook(path, { actions: ['update', 'delete'], collections: [collection], include_previous: true, ...overrides });
}

async function draftItem(collection: string, values: Record<string, unknown>): Promise<number> {
	const response = await admin.post(`/items/${collection}`, values);
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	return response.body.data.id;
}

beforeAll(async () => {
	receiver = await Receiver.start();
	await admin.createCollection(ARTICLES, { title: 'string', status: 'string', internal: 'string' });
	await admin.createCollection(PRIVATE, { title: 'string' });

	const fixture = await createDelegate(admin, TAG, delegateToken);
	delegatePolicy = fixture.policy;
	delegateRole = fixture.role;
	delegateUser = fixture.user;
	for (const action of ['create', 'read', 'update']) await fixture.grant('webhooks_outgoing', action);
	articlesReadPermission = await fixture.grant(ARTICLES, 'read');
	otherUser = (await ok(admin.post('/users', { email: `${TAG}-other@example.com`, password: randomBytes(12).toString('hex') }))).id;
	adminRole = (await admin.get('/users/me?fields=role')).body.data.role;

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
	for (const step of cleanup.reverse()) await step();
	await receiver?.close();
});

describe('delegation: what a delegate may configure', () => {
	it('cannot create a webhook on collections they cannot read: 400 naming each, through /webhooks and /items', async () => {
		const collections = [PRIVATE, 'webhooks_endpoints', 'directus_permissions', 'directus_policies'];
		for (const path of ['/webhooks', '/items/webhooks_outgoing']) {
			const response = await delegate.post(path, hook(`/${hex()}`, { collections }));
			expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(400);
			const message = response.body.errors[0].message as string;
			expect(message).toContain('collections: you cannot read');
			for (const collection of collections) expect(message, path).toContain(`"${collection}"`);
		}
		const left = await admin.get(`/webhooks?filter[name][_starts_with]=${TAG}&fields=collections`);
		expect(left.body.data).toEqual([]);
	});

	it('without app access, directus_users and directus_settings are unreadable too, so refused', async () => {
		// App access is what lets a role read its own user row and part of the settings.
		expect((await admin.patch(`/policies/${delegatePolicy}`, { app_access: false })).status).toBe(200);
		try {
			const response = await delegate.post('/webhooks', hook(`/${hex()}`, { collections: ['directus_users', 'directus_settings'] }));
			expect(response.status, JSON.stringify(response.body)).toBe(400);
			expect(response.body.errors[0].message).toContain('collections: you cannot read "directus_users", "directus_settings"');
		} finally {
			expect((await admin.patch(`/policies/${delegatePolicy}`, { app_access: true })).status).toBe(200);
		}
	});

	it('cannot name an unreadable field in fields, watch_fields or filter, nor an item_role they do not hold: every problem at once', async () => {
		const response = await delegate.post(
			'/webhooks',
			// A relational path is read as such: role.name is readable (the delegate's own role).
			usersHook(`/${hex()}`, { fields: ['first_name', 'token', 'role.name'], watch_fields: ['external_identifier'], filter: { auth_data: { _nnull: true } }, item_role: adminRole }),
		);
		expect(response.status, JSON.stringify(response.body)).toBe(400);
		const message = response.body.errors[0].message as string;
		for (const expected of ['fields: you cannot read "token";', 'watch_fields: you cannot read "external_identifier"', 'filter: you cannot read "auth_data"', 'item_role: you may only name a role you hold']) {
			expect(message).toContain(expected);
		}
		// Its own role and readable fields are fine.
		const allowed = await delegate.post('/webhooks', usersHook(`/${hex()}`, { fields: ['first_name'], watch_fields: ['first_name'], filter: { first_name: { _nnull: true } }, item_role: delegateRole }));
		expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
	});

	it('answers a malformed field and a collection they cannot read in one 400', async () => {
		const response = await delegate.post('/webhooks', hook(`/${hex()}`, { collections: [PRIVATE], method: 'BREW' }));
		expect(response.status, JSON.stringify(response.body)).toBe(400);
		const errors = response.body.errors[0].extensions.errors as { field: string; reason: string }[];
		expect(errors.map((error) => error.field).sort()).toEqual(['collections', 'method']);
		expect(response.body.errors[0].message).toContain(`collections: you cannot read "${PRIVATE}"`);
	});

	it("an update is checked as the webhook will be: a delegate cannot retarget an admin's webhook on a collection they cannot read", async () => {
		const id = await createAs(admin, hook(`/${hex()}`, { collections: [PRIVATE] }));
		const response = await delegate.patch(`/webhooks/${id}`, { url: receiver.url('/stolen-private') });
		expect(response.status, JSON.stringify(response.body)).toBe(400);
		expect(response.body.errors[0].message).toContain(`collections: you cannot read "${PRIVATE}"`);
		// Ownership cannot be handed back to "nobody" (admin-owned) either.
		const viaItems = await delegate.patch(`/items/webhooks_outgoing/${id}`, { user_created: null, user_updated: null, url: receiver.url('/stolen-private') });
		expect(viaItems.status, JSON.stringify(viaItems.body)).toBe(400);
		expect((await admin.get(`/webhooks/${id}?fields=url`)).body.data.url).not.toContain('stolen');
	});
	it('the public, even when a policy lets it write webhooks, can neither create nor change one: a webhook written without a user would act for no one, with full access', async () => {
		const [publicAccess] = (await admin.get('/access?filter[role][_null]=true&filter[user][_null]=true&fields=policy')).body.data;
		const granted: number[] = [];
		for (const [collection, action] of [['webhooks_outgoing', 'create'], ['webhooks_outgoing', 'update'], ['webhooks_outgoing', 'read'], [ARTICLES, 'read']] as const) {
			const response = await admin.post('/permissions', { policy: publicAccess.policy, collection, action, fields: ['*'], permissions: {} });
			expect(response.status, JSON.stringify(response.body)).toBe(200);
			granted.push(response.body.data.id);
		}
		const anonymous = new ApiClient(info.url, null);
		try {
			const created = await anonymous.post('/items/webhooks_outgoing', hook(`/${hex()}`));
			expect(created.status, JSON.stringify(created.body)).toBe(403);
			const id = await createAs(admin, hook(`/${hex()}`));
			const retarget = await anonymous.patch(`/items/webhooks_outgoing/${id}`, { url: receiver.url('/stolen-by-the-public') });
			expect(retarget.status, JSON.stringify(retarget.body)).toBe(403);
			expect((await admin.get(`/webhooks/${id}?fields=url`)).body.data.url).not.toContain('stolen');
		} finally {
			await admin.delete('/permissions', granted);
		}
		expect((await admin.get(`/webhooks?filter[name][_starts_with]=${TAG}&filter[user_created][_null]=true&fields=id`)).body.data).toEqual([]);
	});
});

describe('delegation: what a delegate receives', () => {
	it("a delegate's webhook sends only fields the delegate may read, of rows the delegate may read; other rows are skipped with the reason", async () => {
		const eventHook = await createAs(delegate, usersHook('/delegate-event'));
		const itemHook = await createAs(delegate, usersHook('/delegate-item', { payload: 'item' }));
		await updateUser(delegateUser, { first_name: 'Delegate', external_identifier: 'secret-own-ext' });
		await updateUser(otherUser, { first_name: 'Other', external_identifier: 'secret-other-ext' });

		for (const webhook of [eventHook, itemHook]) {
			expect((await deliveryOf(webhook, delegateUser)).status).toBe('succeeded');
			expect(await deliveryOf(webhook, otherUser)).toMatchObject({ status: 'skipped', last_error: "the webhook's owner may not read this item" });
		}
		const [event] = received('/delegate-event');
		expect(JSON.parse(event!.body).payload).toEqual({ first_name: 'Delegate' });
		const [item] = received('/delegate-item');
		const sent = JSON.parse(item!.body).item;
		expect(sent).toMatchObject({ id: delegateUser, first_name: 'Delegate', email: `${TAG}@example.com` });
		for (const hidden of ['external_identifier', 'token', 'auth_data', 'last_access']) expect(sent, hidden).not.toHaveProperty(hidden);
		for (const request of [...received('/delegate-event'), ...received('/delegate-item')]) expect(request.body).not.toContain('secret-');
	});

	it("an admin's webhook sends everything; once a delegate retargets it, only what the delegate may read", async () => {
		const id = await createAs(admin, usersHook('/admin-owned'));
		await updateUser(otherUser, { external_identifier: 'secret-admin-sees' });
		expect((await deliveryOf(id, otherUser)).status).toBe('succeeded');
		expect(JSON.parse(received('/admin-owned')[0]!.body).payload).toMatchObject({ external_identifier: 'secret-admin-sees' });

		const retarget = await delegate.patch(`/webhooks/${id}`, { url: receiver.url('/retargeted') });
		expect(retarget.status, JSON.stringify(retarget.body)).toBe(200);
		const deliveredBefore = (await admin.get(`/webhooks/${id}/deliveries?fields=id`)).body.data.length;
		await updateUser(otherUser, { external_identifier: 'secret-after-retarget' });
		await updateUser(delegateUser, { first_name: 'Retargeted', external_identifier: 'secret-own-2' });
		const rows = await until(
			async () => (await admin.get(`/webhooks/${id}/deliveries?fields=item_key,status,last_error&sort=id&limit=-1`)).body.data.slice(deliveredBefore),
			(found: { status: string }[]) => found.length === 2 && found.every((row) => SETTLED.includes(row.status)),
		);
		expect(rows).toEqual([
			{ item_key: otherUser, status: 'skipped', last_error: "the webhook's owner may not read this item" },
			{ item_key: delegateUser, status: 'succeeded', last_error: null },
		]);
		const got = received('/retargeted');
		expect(got).toHaveLength(1);
		expect(JSON.parse(got[0]!.body).payload).toEqual({ first_name: 'Retargeted' });
	});

	it('a filter on a field the owner cannot read never decides a delivery, matching or not', async () => {
		// Created by the delegate, then given the filter by an admin edit (admins are not checked).
		const id = await createAs(delegate, usersHook('/oracle'));
		const edit = await admin.patch(`/webhooks/${id}`, { filter: { external_identifier: { _eq: 'match' } } });
		expect(edit.status, JSON.stringify(edit.body)).toBe(200);
		for (const value of ['match', 'no match']) {
			const before = (await admin.get(`/webhooks/${id}/deliveries?fields=id`)).body.data.length;
			await updateUser(delegateUser, { external_identifier: value, first_name: `oracle ${value}` });
			const [row] = await until(
				async () => (await admin.get(`/webhooks/${id}/deliveries?fields=status,last_error`)).body.data,
				(found: { status: string }[]) => found.length > before && SETTLED.includes(found[0]!.status),
			);
			expect(row, value).toEqual({ status: 'skipped', last_error: "the webhook's filter uses a field its owner may not read" });
		}
		expect(received('/oracle')).toHaveLength(0);
	});

	it("a delegate's webhook gets the deletes of rows the delegate could read just before; other deletes are skipped with the reason", async () => {
		const id = await createAs(delegate, hook('/deletes', { actions: ['delete'], collections: [ARTICLES, 'directus_users'] }));
		const adminHook = await createAs(admin, usersHook('/admin-deletes', { actions: ['delete'] }));
		const readable = await article({ title: 'deleted article', status: 'published' });
		const victim = await admin.post('/users', { email: `${TAG}-victim@example.com`, password: randomBytes(12).toString('hex') });
		expect(victim.status, JSON.stringify(victim.body)).toBe(200);
		const victimId: string = victim.body.data.id;
		expect((await admin.delete(`/items/${ARTICLES}/${readable}`)).status).toBe(204);
		expect((await admin.delete(`/users/${victimId}`)).status).toBe(204);

		expect((await deliveryOf(id, readable)).status).toBe('succeeded');
		// The delegate could never read that user's row: not even its key or the event may reach them.
		expect(await deliveryOf(id, victimId)).toMatchObject({ status: 'skipped', last_error: "the webhook's owner could not read this item before it was deleted" });
		const got = received('/deletes');
		expect(got).toHaveLength(1);
		expect(JSON.parse(got[0]!.body)).toMatchObject({ event: `${ARTICLES}.items.delete`, keys: [readable] });
		for (const request of got) expect(request.body).not.toContain(victimId);
		// An admin's webhook gets every delete, as before.
		expect((await deliveryOf(adminHook, victimId)).status).toBe('succeeded');
		expect(JSON.parse(received('/admin-deletes')[0]!.body)).toMatchObject({ event: 'directus_users.items.delete', keys: [victimId] });
	});

	it("row rules: a delegate's webhook sends the previous values only of rows the delegate could read just before the update", async (context) => {
		const drafts = await rowRuleCollection(context, 'drafts');
		const eventHook = await createAs(delegate, draftsHook(drafts, '/previous-event'));
		const itemHook = await createAs(delegate, draftsHook(drafts, '/previous-item', { payload: 'item' }));
		const published = await draftItem(drafts, { title: 'published v1', status: 'published' });
		const draft = await draftItem(drafts, { title: 'secret-draft-title', status: 'draft' });
		expect((await admin.patch(`/items/${drafts}/${published}`, { title: 'published v2' })).status).toBe(200);
		// Published by this write: readable after it, not before.
		expect((await admin.patch(`/items/${drafts}/${draft}`, { title: 'Now public', status: 'published' })).status).toBe(200);

		for (const [webhook, path] of [[eventHook, '/previous-event'], [itemHook, '/previous-item']] as const) {
			for (const key of [published, draft]) expect((await deliveryOf(webhook, key)).status, path).toBe('succeeded');
			const sent = received(path).map((request) => JSON.parse(request.body));
			const update = (key: number) => sent.find((message) => message.keys?.[0] === key);
			expect(update(published).previous, path).toMatchObject({ title: 'published v1' });
			// The draft was not the delegate's to read: its earlier content stays out.
			expect(update(draft), path).not.toHaveProperty('previous');
			for (const request of received(path)) expect(request.body, path).not.toContain('secret-');
		}
		expect(received('/previous-item').map((request) => request.body).join()).toContain('Now public');
	});

	it("row rules: a delegate's webhook gets the deletes of rows the delegate could read just before; others are skipped", async (context) => {
		const drafts = await rowRuleCollection(context, 'deleted');
		const id = await createAs(delegate, draftsHook(drafts, '/row-deletes'));
		const published = await draftItem(drafts, { title: 'published', status: 'published' });
		const draft = await draftItem(drafts, { title: 'secret-deleted-draft', status: 'draft' });
		const deleted = await admin.delete(`/items/${drafts}`, [draft, published]);
		expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
		expect((await deliveryOf(id, published)).status).toBe('succeeded');
		expect(await deliveryOf(id, draft)).toMatchObject({ status: 'skipped', last_error: "the webhook's owner could not read this item before it was deleted" });
		expect(received('/row-deletes').map((request) => JSON.parse(request.body).keys)).toEqual([[published]]);
	});

	it("a delegate's debounced webhook lists only the changes the delegate may read: other users' keys stay out of the list and the count", async () => {
		const id = await createAs(delegate, usersHook('/debounced-users', { debounce_seconds: 1 }));
		await updateUser(otherUser, { first_name: 'Other burst' });
		await updateUser(delegateUser, { first_name: 'Own burst' });
		await updateUser(otherUser, { first_name: 'Other burst 2' });
		const [request] = await until(async () => received('/debounced-users'), (list) => list.length >= 1);
		expect(JSON.parse(request!.body)).toEqual({ event: 'webhook.batch', count: 1, events: [{ event: 'directus_users.items.update', collection: 'directus_users', keys: [delegateUser] }] });
		expect(request!.body).not.toContain(otherUser);
		await sleep(1500);
		expect(received('/debounced-users')).toHaveLength(1);
		// A window of nothing the delegate may read is not sent at all.
		await updateUser(otherUser, { first_name: 'Other alone' });
		const [skipped] = await until(
			async () => (await admin.get(`/webhooks/${id}/deliveries?fields=status,last_error&sort=-id&limit=1`)).body.data,
			(rows: { status: string; last_error: string | null }[]) => rows.length > 0 && rows[0]!.status === 'skipped',
		);
		expect(skipped!.last_error).toMatch(/no event of the window/);
		expect(received('/debounced-users')).toHaveLength(1);
	});

	it("a delegate's debounced webhook lists the deletes of rows the delegate could read just before, and no others", async () => {
		await createAs(delegate, hook('/debounced-deletes', { actions: ['delete'], collections: [ARTICLES, 'directus_users'], debounce_seconds: 1 }));
		const readable = await article({ title: 'deleted in a window', status: 'published' });
		const victim = await ok(admin.post('/users', { email: `${TAG}-window-victim@example.com`, password: randomBytes(12).toString('hex') }));
		expect((await admin.delete(`/items/${ARTICLES}/${readable}`)).status).toBe(204);
		expect((await admin.delete(`/users/${victim.id}`)).status).toBe(204);
		const [request] = await until(async () => received('/debounced-deletes'), (list) => list.length >= 1);
		expect(JSON.parse(request!.body)).toEqual({ event: 'webhook.batch', count: 1, events: [{ event: `${ARTICLES}.items.delete`, collection: ARTICLES, keys: [readable] }] });
		expect(request!.body).not.toContain(victim.id);
	});

	it('when the owner loses read access or is suspended, deliveries are skipped with the reason', async () => {
		const id = await createAs(delegate, hook('/losing'));
		const first = await article({ title: 'first', status: 'published' });
		expect((await deliveryOf(id, first)).status).toBe('succeeded');

		expect((await admin.delete(`/permissions/${articlesReadPermission}`)).status).toBe(204);
		const second = await article({ title: 'second', status: 'published' });
		expect(await deliveryOf(id, second)).toMatchObject({ status: 'skipped', last_error: "the webhook's owner may not read this item" });

		expect((await admin.patch(`/users/${delegateUser}`, { status: 'suspended' })).status).toBe(200);
		// Owners are looked up again after a few seconds.
		await sleep(5_500);
		const third = await article({ title: 'third', status: 'published' });
		expect(await deliveryOf(id, third)).toMatchObject({ status: 'skipped', last_error: "the webhook's owner is suspended" });
		expect(received('/losing')).toHaveLength(1);
	});
});
