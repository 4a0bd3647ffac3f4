// The events admins wait for beside create/update/delete: publishing a content version (promote),
// a file uploaded (multipart, TUS, import), a file changed or deleted, a new user registered. Each
// must fire once for the webhooks that chose it, and not as a second delivery for those that chose
// a neighbouring action too.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { createDelegate, createWebhookAs, ok } from '../harness/delegate.ts';
import { Receiver } from '../harness/receiver.ts';
import { until } from '../harness/wait.ts';
import { TRIGGERS, triggerFields } from '../../extensions/src/shared/webhook-triggers.ts';

const info = inject('directus');
const TAG = `ev_${randomBytes(3).toString('hex')}`;
const ARTICLES = `${TAG}_articles`;
const SENTINEL = `${TAG}_sentinel`;
const admin = new ApiClient(info.url, info.token);
const anonymous = new ApiClient(info.url, null);

interface Delivery {
	event: string;
	item_key: string;
	status: string;
	event_data: Record<string, any>;
}

let receiver: Receiver;
let fileServer: Receiver;
let sentinel: number;
const cleanup: (() => Promise<unknown>)[] = [];

async function webhook(name: string, fields: Record<string, unknown>): Promise<number> {
	const created = await ok(admin.post('/webhooks', { name: `${TAG} ${name}`, url: receiver.url(`/${TAG}/${name}`), ...fields }));
	cleanup.push(() => admin.delete(`/webhooks/${created.id}`));
	return created.id;
}

const deliveries = async (hook: number): Promise<Delivery[]> =>
	(await ok(admin.get(`/webhooks/${hook}/deliveries?fields=event,item_key,status,event_data&sort=id&limit=-1`))) ?? [];

/**
 * Once a write made after everything before it has its delivery, every event of those earlier
 * writes has been captured too: what is missing then will not come.
 */
async function settled(): Promise<void> {
	const marker = await ok(admin.post(`/items/${SENTINEL}`, { title: 'marker' }));
	await until(() => deliveries(sentinel), (list) => list.some((delivery) => delivery.item_key === String(marker.id)));
}

async function uploadMultipart(name: string, content: string): Promise<string> {
	const form = new FormData();
	form.append('title', name);
	form.append('file', new Blob([content], { type: 'text/plain' }), name);
	const response = await fetch(`${info.url}/files`, { method: 'POST', headers: { authorization: `Bearer ${info.token}` }, body: form });
	const body = await response.json();
	expect(response.status, JSON.stringify(body)).toBe(200);
	return body.data.id;
}

/** A resumable upload by hand, as the tus protocol has it: create, then one PATCH per chunk. */
async function uploadTus(name: string, chunks: string[]): Promise<string> {
	const size = chunks.reduce((total, chunk) => total + Buffer.byteLength(chunk), 0);
	const metadata = [['filename_download', name], ['type', 'text/plain']].map(([key, value]) => `${key} ${Buffer.from(value!).toString('base64')}`).join(',');
	const headers = { authorization: `Bearer ${info.token}`, 'tus-resumable': '1.0.0' };
	const created = await fetch(`${info.url}/files/tus`, { method: 'POST', headers: { ...headers, 'upload-length': String(size), 'upload-metadata': metadata } });
	expect(created.status, await created.text()).toBe(201);
	const location = new URL(created.headers.get('location')!, info.url).toString();
	let offset = 0;
	let fileId: string | null = null;
	for (const chunk of chunks) {
		const patched = await fetch(location, {
			method: 'PATCH',
			headers: { ...headers, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
			body: chunk,
		});
		expect(patched.status, await patched.text()).toBe(204);
		offset += Buffer.byteLength(chunk);
		fileId = patched.headers.get('directus-file-id') ?? fileId;
	}
	expect(fileId).toBeTruthy();
	return fileId!;
}

beforeAll(async () => {
	receiver = await Receiver.start();
	fileServer = await Receiver.start();
	fileServer.respond(() => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'imported content' }));
	await admin.createCollection(SENTINEL, { title: 'string' });
	const versioned = await admin.post('/collections', {
		collection: ARTICLES,
		schema: {},
		meta: { versioning: true },
		fields: [
			{ field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: true }, meta: { hidden: true } },
			{ field: 'title', type: 'string', schema: {}, meta: {} },
			{ field: 'status', type: 'string', schema: {}, meta: {} },
		],
	});
	expect(versioned.status, JSON.stringify(versioned.body)).toBe(200);
	sentinel = await webhook('sentinel', { actions: ['create'], collections: [SENTINEL] });
});

afterAll(async () => {
	for (const step of cleanup.reverse()) await step();
	await admin.delete(`/collections/${ARTICLES}`);
	await admin.delete(`/collections/${SENTINEL}`);
	await receiver?.close();
	await fileServer?.close();
});

describe('publishing a content version', () => {
	it("does not name the content version to a delegate's promote webhook when the delegate may not read versions", async () => {
		const token = randomBytes(24).toString('hex');
		const delegate = await createDelegate(admin, `${TAG}-delegate`, token);
		cleanup.push(() => delegate.remove());
		for (const action of ['create', 'read', 'update']) await delegate.grant('webhooks_outgoing', action);
		await delegate.grant(ARTICLES, 'read');
		await createWebhookAs(new ApiClient(info.url, token), { name: `${TAG} delegate promote`, url: receiver.url(`/${TAG}/delegate-promote`), actions: ['promote'], collections: [ARTICLES] });
		const article = await ok(admin.post(`/items/${ARTICLES}`, { title: 'Delegate draft', status: 'draft' }));
		const version = await ok(admin.post('/versions', { key: 'secret-plan', name: 'Secret plan', collection: ARTICLES, item: String(article.id) }));
		await ok(admin.post(`/versions/${version.id}/save`, { title: 'Delegate published' }));
		const { mainHash } = await ok(admin.get(`/versions/${version.id}/compare`));
		await ok(admin.post(`/versions/${version.id}/promote`, { mainHash }));
		const [request] = await until(async () => receiver.requests.filter((received) => received.path === `/${TAG}/delegate-promote`), (list) => list.length >= 1);
		const body = JSON.parse(request!.body);
		expect(body).toMatchObject({ event: `${ARTICLES}.items.promote`, key: article.id });
		expect(body.version).toBeUndefined();
		expect(request!.body).not.toContain('Secret plan');
		expect(request!.body).not.toContain('secret-plan');
	});

	it('fires promote with the version and the item key once per webhook: update-only webhooks get the update, promote-only ones no update, and one with both only the promote', async () => {
		const promoteOnly = await webhook('promote-only', { actions: ['promote'], collections: [ARTICLES] });
		const updateOnly = await webhook('update-only', { actions: ['update'], collections: [ARTICLES] });
		const both = await webhook('both', { actions: ['update', 'promote'], collections: [ARTICLES] });
		const article = await ok(admin.post(`/items/${ARTICLES}`, { title: 'Draft title', status: 'draft' }));
		const version = await ok(admin.post('/versions', { key: 'spring', name: 'Spring edition', collection: ARTICLES, item: String(article.id) }));
		await ok(admin.post(`/versions/${version.id}/save`, { title: 'Published title', status: 'published' }));
		const { mainHash } = await ok(admin.get(`/versions/${version.id}/compare`));
		expect(String(await ok(admin.post(`/versions/${version.id}/promote`, { mainHash })))).toBe(String(article.id));
		// A plain edit afterwards: the webhook with both actions gets it as an update again.
		await ok(admin.patch(`/items/${ARTICLES}/${article.id}`, { title: 'Edited later' }));

		await until(() => deliveries(both), (list) => list.length >= 2);
		await settled();
		const [promoted] = await deliveries(promoteOnly);
		expect((await deliveries(promoteOnly)).map((delivery) => delivery.event)).toEqual([`${ARTICLES}.items.promote`]);
		expect(promoted!.event_data).toMatchObject({
			event: `${ARTICLES}.items.promote`,
			collection: ARTICLES,
			key: article.id,
			version: { id: version.id, key: 'spring', name: 'Spring edition' },
			payload: { title: 'Published title', status: 'published' },
		});
		expect((await deliveries(updateOnly)).map((delivery) => delivery.event)).toEqual([`${ARTICLES}.items.update`, `${ARTICLES}.items.update`]);
		// Outbox rows carry no order between events (the later edit is written with its own transaction,
		// the promote just after the promote's commit).
		expect((await deliveries(both)).map((delivery) => [delivery.event, delivery.event_data.payload.title]).sort()).toEqual([
			[`${ARTICLES}.items.promote`, 'Published title'],
			[`${ARTICLES}.items.update`, 'Edited later'],
		]);

		// What the receiver gets: the legacy body with the version beside the key.
		const [request] = await until(async () => receiver.requests.filter((received) => received.path === `/${TAG}/promote-only`), (list) => list.length >= 1);
		expect(JSON.parse(request!.body)).toMatchObject({ event: `${ARTICLES}.items.promote`, key: article.id, version: { key: 'spring', name: 'Spring edition' } });
	});
});

describe('files', () => {
	let uploads: number;
	let everything: number;

	beforeAll(async () => {
		uploads = await webhook('uploads', triggerFields('file-uploaded', {}));
		everything = await webhook('file-everything', { actions: ['create', 'update', 'delete', 'upload'], collections: ['directus_files'] });
	});

	/** The deliveries of both file webhooks for one file. */
	async function forFile(id: string): Promise<{ uploads: Delivery[]; everything: Delivery[] }> {
		await settled();
		const of = async (hook: number) => (await deliveries(hook)).filter((delivery) => delivery.item_key === id);
		return { uploads: await of(uploads), everything: await of(everything) };
	}

	it('fires one upload, and no create, for a file uploaded through /files (multipart), carrying its id, filename, type and size', async () => {
		const id = await uploadMultipart(`${TAG}-multipart.txt`, 'hello multipart');
		await until(() => deliveries(uploads), (list) => list.some((delivery) => delivery.item_key === id));
		const found = await forFile(id);
		expect(found.uploads.map((delivery) => delivery.event)).toEqual(['directus_files.items.upload']);
		expect(found.everything.map((delivery) => delivery.event)).toEqual(['directus_files.items.upload']);
		expect(found.uploads[0]!.event_data).toMatchObject({ key: id, collection: 'directus_files', payload: { filename_download: `${TAG}-multipart.txt`, type: 'text/plain' } });
		expect(Number(found.uploads[0]!.event_data.payload.filesize)).toBe(Buffer.byteLength('hello multipart'));
	});

	it('fires one upload, and no update per chunk, for a file uploaded through TUS in two chunks', async () => {
		const id = await uploadTus(`${TAG}-resumable.txt`, ['first half, ', 'second half']);
		await until(() => deliveries(uploads), (list) => list.some((delivery) => delivery.item_key === id));
		const found = await forFile(id);
		expect(found.uploads.map((delivery) => delivery.event)).toEqual(['directus_files.items.upload']);
		expect(found.everything.map((delivery) => delivery.event)).toEqual(['directus_files.items.upload']);
		expect(found.uploads[0]!.event_data).toMatchObject({ key: id, payload: { filename_download: `${TAG}-resumable.txt`, type: 'text/plain' } });
		expect(Number(found.uploads[0]!.event_data.payload.filesize)).toBe(Buffer.byteLength('first half, second half'));
	});

	it('fires one upload for a file imported through /files/import', async () => {
		const imported = await ok(admin.post('/files/import', { url: fileServer.url(`/${TAG}-imported.txt`) }));
		await until(() => deliveries(uploads), (list) => list.some((delivery) => delivery.item_key === imported.id));
		const found = await forFile(imported.id);
		expect(found.uploads.map((delivery) => delivery.event)).toEqual(['directus_files.items.upload']);
		expect(found.everything.map((delivery) => delivery.event)).toEqual(['directus_files.items.upload']);
		expect(found.uploads[0]!.event_data.payload).toMatchObject({ filename_download: `${TAG}-imported.txt`, type: 'text/plain' });
	});

	it('fires update and delete for a file edited and deleted, and not upload', async () => {
		const id = await uploadMultipart(`${TAG}-edited.txt`, 'to be edited');
		await ok(admin.patch(`/files/${id}`, { title: 'A new title' }));
		expect((await admin.delete(`/files/${id}`)).status).toBe(204);
		await until(() => deliveries(everything), (list) => list.some((delivery) => delivery.item_key === id && delivery.event.endsWith('.delete')));
		const found = await forFile(id);
		// No order between them: the upload is recorded after its commit, the edit and the delete in their transactions.
		expect(found.everything.map((delivery) => delivery.event).sort()).toEqual(['directus_files.items.delete', 'directus_files.items.update', 'directus_files.items.upload']);
		expect(found.everything.find((delivery) => delivery.event.endsWith('.update'))!.event_data.payload).toEqual({ title: 'A new title' });
		expect(found.uploads.map((delivery) => delivery.event)).toEqual(['directus_files.items.upload']);
	});
});

describe('new users', () => {
	it('fires "New user registered" for a public registration, and not for a user created suspended', async () => {
		const hook = await webhook('new-users', { ...triggerFields('user-registered', {}) });
		expect((await admin.get(`/webhooks/${hook}`)).body.data).toMatchObject({ collections: ['directus_users'], actions: ['create'], filter: TRIGGERS['user-registered'].filter });
		await ok(admin.patch('/settings', { public_registration: true, public_registration_verify_email: false }));
		cleanup.push(() => admin.patch('/settings', { public_registration: false }));
		const email = `${TAG}-signup@example.com`;
		const registered = await anonymous.post('/users/register', { email, password: randomBytes(12).toString('hex') });
		expect(registered.status, JSON.stringify(registered.body)).toBe(204);
		const suspended = await ok(admin.post('/users', { email: `${TAG}-suspended@example.com`, status: 'suspended' }));
		const [user] = await ok(admin.get(`/users?filter[email][_eq]=${encodeURIComponent(email)}&fields=id`));
		cleanup.push(() => admin.delete(`/users/${user.id}`), () => admin.delete(`/users/${suspended.id}`));

		const settledDeliveries = await until(() => deliveries(hook), (list) => list.length >= 2 && list.every((delivery) => ['succeeded', 'skipped'].includes(delivery.status)));
		expect(settledDeliveries.map((delivery) => [delivery.item_key, delivery.status])).toEqual([[user.id, 'succeeded'], [suspended.id, 'skipped']]);
		const received = receiver.requests.filter((request) => request.path === `/${TAG}/new-users`).map((request) => JSON.parse(request.body));
		expect(received).toHaveLength(1);
		expect(received[0]).toMatchObject({ event: 'directus_users.items.create', key: user.id, payload: { email, status: 'active' } });
		expect(JSON.stringify(received[0])).not.toMatch(/"password":"(?!\*)/);
	});
});

describe('where an action cannot happen', () => {
	it('refuses upload on a webhook without directus_files, and promote on Directus\'s own collections only, with a 400 naming actions', async () => {
		const upload = await admin.post('/webhooks', { name: `${TAG} bad upload`, url: receiver.url('/bad'), actions: ['upload'], collections: [ARTICLES] });
		expect(upload.status).toBe(400);
		expect(upload.body.errors[0].message).toContain('actions: "upload" happens only to files: add "directus_files" to collections, or remove "upload"');
		const promote = await admin.post('/webhooks', { name: `${TAG} bad promote`, url: receiver.url('/bad'), actions: ['promote'], collections: ['directus_users'] });
		expect(promote.status).toBe(400);
		expect(promote.body.errors[0].message).toContain('actions: "promote" (publishing a content version) happens only to items of your own collections');
		// A change of the collections alone is checked against the stored actions.
		const files = await webhook('files-then-moved', { actions: ['upload'], collections: ['directus_files'] });
		expect((await admin.patch(`/webhooks/${files}`, { collections: [ARTICLES] })).status).toBe(400);
	});
});
