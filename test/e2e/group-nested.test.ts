// group_nested: one request that edits a parent's related items is one delivery of the parent,
// listing the children's keys, instead of a delivery per child row Directus writes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { createDelegate, createWebhookAs } from '../harness/delegate.ts';
import { Receiver, type ReceivedRequest } from '../harness/receiver.ts';
import { sleep } from '../harness/wait.ts';

const info = inject('directus');
const TAG = `nest_${randomBytes(3).toString('hex')}`;
const BOOKS = `${TAG}_books`;
const CHAPTERS = `${TAG}_chapters`;
const admin = new ApiClient(info.url, info.token);
const CHILDREN = 50;

let receiver: Receiver;

async function ok<T = any>(response: Promise<{ status: number; body: any }>): Promise<T> {
	const result = await response;
	expect(result.status, JSON.stringify(result.body)).toBeLessThan(300);
	return result.body?.data as T;
}

async function webhook(path: string, groupNested: boolean): Promise<number> {
	const created = await ok<{ id: number }>(
		admin.post('/webhooks', { name: `${TAG} ${path}`, url: receiver.url(`/${TAG}/${path}`), actions: ['create', 'update', 'delete'], collections: [BOOKS, CHAPTERS], group_nested: groupNested }),
	);
	return created.id;
}

const at = (path: string) => (request: ReceivedRequest) => request.path === `/${TAG}/${path}`;
const bodies = (path: string) => receiver.requests.filter(at(path)).map((request) => JSON.parse(request.body));

/** Waits until the receiver got `count` requests at `path`, then a little more for any extra. */
async function settle(path: string, count: number): Promise<void> {
	const started = Date.now();
	while (receiver.requests.filter(at(path)).length < count && Date.now() - started < 30_000) await sleep(100);
	await sleep(1_000);
}

beforeAll(async () => {
	receiver = await Receiver.start();
	await admin.createCollection(BOOKS, { title: 'string' });
	await admin.createCollection(CHAPTERS, { title: 'string' });
	await ok(admin.post(`/fields/${CHAPTERS}`, { field: 'book', type: 'integer', meta: { special: ['m2o'] }, schema: {} }));
	await ok(admin.post(`/fields/${BOOKS}`, { field: 'chapters', type: 'alias', meta: { special: ['o2m'], interface: 'list-o2m' } }));
	await ok(admin.post('/relations', { collection: CHAPTERS, field: 'book', related_collection: BOOKS, meta: { one_field: 'chapters' } }));
});

afterAll(async () => {
	await receiver?.close();
});

describe('group_nested', () => {
	it(`makes one delivery of the parent for an edit of ${CHILDREN} children in one request, where the option off makes one per child`, { timeout: 90_000 }, async () => {
		await webhook('grouped', true);
		await webhook('each', false);
		const book = await ok<{ id: number }>(admin.post(`/items/${BOOKS}`, { title: 'Atlas' }));
		await settle('each', 1);
		const before = { grouped: bodies('grouped').length, each: bodies('each').length };

		const chapters = Array.from({ length: CHILDREN }, (_, index) => ({ title: `chapter ${index}` }));
		await ok(admin.patch(`/items/${BOOKS}/${book.id}`, { chapters: { create: chapters, update: [], delete: [] } }));
		await settle('each', before.each + CHILDREN + 1);

		const grouped = bodies('grouped').slice(before.grouped);
		expect(grouped).toHaveLength(1);
		expect(grouped[0]).toMatchObject({ event: `${BOOKS}.items.update`, keys: [book.id], collection: BOOKS });
		const created = await ok<{ id: number }[]>(admin.get(`/items/${CHAPTERS}?filter[book][_eq]=${book.id}&fields=id&sort=id&limit=-1`));
		expect(grouped[0].nested).toEqual([{ collection: CHAPTERS, action: 'create', keys: created.map((chapter) => chapter.id) }]);

		const each = bodies('each').slice(before.each);
		expect(each).toHaveLength(CHILDREN + 1);
		expect(each.filter((body) => body.event === `${CHAPTERS}.items.create`)).toHaveLength(CHILDREN);
		expect(each.some((body) => 'nested' in body)).toBe(false);
	});

	it('lists created, changed and removed children of one request apart, and a parent created with its children as one create', { timeout: 60_000 }, async () => {
		await webhook('mixed', true);
		const book = await ok<{ id: number; chapters: number[] }>(admin.post(`/items/${BOOKS}?fields=id,chapters`, { title: 'Mixed', chapters: [{ title: 'one' }, { title: 'two' }] }));
		await settle('mixed', 1);
		const [first, second] = book.chapters;
		const creation = bodies('mixed');
		expect(creation).toHaveLength(1);
		expect(creation[0]).toMatchObject({ event: `${BOOKS}.items.create`, key: book.id, nested: [{ collection: CHAPTERS, action: 'create', keys: [first, second] }] });

		await ok(admin.patch(`/items/${BOOKS}/${book.id}`, { chapters: { create: [{ title: 'three' }], update: [{ id: first, title: 'One' }], delete: [second] } }));
		await settle('mixed', 2);
		const edit = bodies('mixed').slice(1);
		expect(edit).toHaveLength(1);
		const third = (await ok<{ id: number }[]>(admin.get(`/items/${CHAPTERS}?filter[title][_eq]=three&filter[book][_eq]=${book.id}&fields=id`)))[0]!.id;
		// Directus unlinks a removed O2M child (sets book to null): an update of that child.
		expect(edit[0].nested).toEqual(
			expect.arrayContaining([
				{ collection: CHAPTERS, action: 'create', keys: [third] },
				expect.objectContaining({ collection: CHAPTERS, action: 'update', keys: expect.arrayContaining([first, second]) }),
			]),
		);
	});

	it('still delivers a child edited on its own, and never lists who could read a child', { timeout: 60_000 }, async () => {
		await webhook('alone', true);
		const book = await ok<{ id: number; chapters: number[] }>(admin.post(`/items/${BOOKS}?fields=id,chapters`, { title: 'Alone', chapters: [{ title: 'x' }] }));
		await settle('alone', 1);
		await ok(admin.patch(`/items/${CHAPTERS}/${book.chapters[0]}`, { title: 'y' }));
		await settle('alone', 2);
		const [, own] = bodies('alone');
		expect(own).toMatchObject({ event: `${CHAPTERS}.items.update`, keys: [book.chapters[0]], payload: { title: 'y' } });
		expect(JSON.stringify(bodies('alone'))).not.toContain('readers_before');
	});

	it("lists to a delegate's webhook only the children the delegate may read when it is sent", { timeout: 60_000 }, async () => {
		const token = randomBytes(24).toString('hex');
		const delegate = await createDelegate(admin, `${TAG}-delegate`, token);
		for (const action of ['create', 'read', 'update']) await delegate.grant('webhooks_outgoing', action);
		await delegate.grant(BOOKS, 'read');
		const chaptersRead = await delegate.grant(CHAPTERS, 'read');
		await createWebhookAs(new ApiClient(info.url, token), {
			name: `${TAG} delegate`, url: receiver.url(`/${TAG}/delegate`), actions: ['create', 'update', 'delete'], collections: [BOOKS, CHAPTERS], group_nested: true,
		});
		const book = await ok<{ id: number }>(admin.post(`/items/${BOOKS}`, { title: 'Shared' }));
		await settle('delegate', 1);
		await ok(admin.patch(`/items/${BOOKS}/${book.id}`, { chapters: { create: [{ title: 'seen' }], update: [], delete: [] } }));
		await settle('delegate', 2);
		expect(bodies('delegate')[1].nested).toEqual([{ collection: CHAPTERS, action: 'create', keys: [expect.any(Number)] }]);

		// The delegate loses read access to chapters: later deliveries do not name them.
		expect((await admin.delete(`/permissions/${chaptersRead}`)).status).toBe(204);
		await ok(admin.patch(`/items/${BOOKS}/${book.id}`, { chapters: { create: [{ title: 'hidden' }], update: [], delete: [] } }));
		await settle('delegate', 3);
		const third = bodies('delegate')[2];
		expect(third).toMatchObject({ event: `${BOOKS}.items.update`, keys: [book.id] });
		expect(third.nested).toEqual([]);
		await delegate.remove();
	});
});
