// include_previous reads an item's values before an update or delete, in Directus's filter phase,
// which runs before Directus checks permissions. Writes Directus refuses must make the server read
// nothing, and one write may not make it hold more than a bounded number of rows.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, type ApiResponse } from '../harness/client.ts';
import { connect } from '../harness/databases.ts';
import { Receiver } from '../harness/receiver.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
const TAG = `prev_${randomBytes(3).toString('hex')}`;
const COLLECTION = `${TAG}_notes`;
const admin = new ApiClient(info.url, info.token);
const anonymous = new ApiClient(info.url, null);
const readerToken = randomBytes(24).toString('hex');
const writerToken = randomBytes(24).toString('hex');
/** May read the collection, not change it. */
const reader = new ApiClient(info.url, readerToken);
/** May read and update it. */
const writer = new ApiClient(info.url, writerToken);
/** Must match MAX_BEFORE_WRITE_ROWS in before-write.ts. */
const MAX_PREVIOUS_ROWS = 1_000;

let receiver: Receiver;
let webhook: number;
let keys: number[];
const cleanup: (() => Promise<unknown>)[] = [];

async function makeUser(name: string, token: string, permissions: { action: string }[]): Promise<void> {
	const policy = await admin.post('/policies', { name: `${TAG} ${name}`, app_access: false, admin_access: false });
	expect(policy.status, JSON.stringify(policy.body)).toBe(200);
	for (const { action } of permissions) {
		const permission = await admin.post('/permissions', { policy: policy.body.data.id, collection: COLLECTION, action, fields: ['*'], permissions: {} });
		expect(permission.status, JSON.stringify(permission.body)).toBe(200);
	}
	const role = await admin.post('/roles', { name: `${TAG} ${name}` });
	expect((await admin.post('/access', { role: role.body.data.id, policy: policy.body.data.id })).status).toBe(200);
	const user = await admin.post('/users', { email: `${TAG}-${name}@example.com`, password: randomBytes(12).toString('hex'), role: role.body.data.id, token });
	expect(user.status, JSON.stringify(user.body)).toBe(200);
	cleanup.push(() => admin.delete(`/users/${user.body.data.id}`), () => admin.delete(`/roles/${role.body.data.id}`), () => admin.delete(`/policies/${policy.body.data.id}`));
}

/** The `previous` of the newest update delivery per item key, once there are `count` update deliveries. */
async function previousByKey(count: number): Promise<Map<string, unknown>> {
	const rows: { item_key: string; event_data: { previous?: unknown } }[] = await until(
		async () => (await admin.get(`/webhooks/${webhook}/deliveries?filter[event][_eq]=${COLLECTION}.items.update&fields=item_key,event_data&sort=-id&limit=-1`)).body.data ?? [],
		(data) => data.length >= count,
	);
	const newest = new Map<string, unknown>();
	for (const row of rows) if (!newest.has(row.item_key)) newest.set(row.item_key, row.event_data.previous);
	return newest;
}

/** The response, or 'no answer' when the server has not answered within `ms`. */
async function within(ms: number, request: Promise<ApiResponse>): Promise<ApiResponse | 'no answer'> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), ms)));
	try {
		return await Promise.race([request, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

beforeAll(async () => {
	receiver = await Receiver.start();
	await admin.createCollection(COLLECTION, { title: 'string' });
	const created = await admin.post(`/items/${COLLECTION}`, Array.from({ length: MAX_PREVIOUS_ROWS + 1 }, (_, n) => ({ title: `note ${n}` })));
	expect(created.status, JSON.stringify(created.body).slice(0, 300)).toBe(200);
	keys = created.body.data.map((row: { id: number }) => row.id);
	await makeUser('reader', readerToken, [{ action: 'read' }]);
	await makeUser('writer', writerToken, [{ action: 'read' }, { action: 'update' }]);
	const hook = await admin.post('/webhooks', { name: `${TAG} previous`, url: receiver.url(`/${TAG}`), actions: ['update', 'delete'], collections: [COLLECTION], include_previous: true });
	expect(hook.status, JSON.stringify(hook.body)).toBe(200);
	webhook = hook.body.data.id;
});

afterAll(async () => {
	if (webhook) await admin.delete(`/webhooks/${webhook}`);
	for (const step of cleanup.reverse()) await step();
	await admin.delete(`/collections/${COLLECTION}`);
	await receiver?.close();
});

describe('previous values: writes Directus refuses', () => {
	// Only the extension's filter-phase read touches the collection before Directus refuses these
	// writes: with the table locked by another session, a read would wait for the lock.
	it.skipIf(info.kind === 'sqlite')('a refused update or delete, by the public or a user without the right, reads nothing (the locked table does not hold it up)', async () => {
		const db = connect({ kind: info.kind, name: info.database, env: {} });
		try {
			await db.transaction(async (trx) => {
				await trx.raw(info.kind === 'postgres' ? `lock table ?? in access exclusive mode` : 'lock tables ?? write', [COLLECTION]);
				try {
					const few = keys.slice(0, 3);
					for (const [who, client] of [['the public', anonymous], ['a reader', reader]] as const) {
						for (const [name, request] of [
							['update one', () => client.patch(`/items/${COLLECTION}/${few[0]}`, { title: 'x' })],
							['update many', () => client.patch(`/items/${COLLECTION}`, { keys: few, data: { title: 'x' } })],
							['delete many', () => client.delete(`/items/${COLLECTION}`, few)],
						] as const) {
							const response = await within(5_000, request());
							expect(response === 'no answer' ? response : response.status, `${who}: ${name}`).toBe(403);
						}
					}
				} finally {
					if (info.kind === 'mariadb') await trx.raw('unlock tables');
				}
			});
		} finally {
			await db.destroy();
		}
	});

	it('the public updating 40,000 keys is refused with 403, never a read of them (SQLite: never "too many SQL variables")', async () => {
		const many = Array.from({ length: 40_000 }, (_, n) => n + 1);
		const response = await anonymous.patch(`/items/${COLLECTION}`, { keys: many, data: { title: 'x' } });
		expect(response.status, JSON.stringify(response.body).slice(0, 300)).toBe(403);
	});
});

describe('previous values: writes Directus allows', () => {
	it('a user allowed to update still gets the previous values delivered', async () => {
		const key = keys[10]!;
		const response = await writer.patch(`/items/${COLLECTION}/${key}`, { title: 'changed by the writer' });
		expect(response.status, JSON.stringify(response.body)).toBe(200);
		const previous = await until(() => previousByKey(1), (found) => found.has(String(key)));
		expect(previous.get(String(key))).toMatchObject({ id: key, title: 'note 10' });
	});

	it(`a write of more than ${MAX_PREVIOUS_ROWS} items carries no previous values; smaller writes do`, async () => {
		const before = (await admin.get(`/items/webhooks_deliveries?filter[webhook][_eq]=${webhook}&filter[event][_eq]=${COLLECTION}.items.update&aggregate[count]=*`)).body.data[0].count;
		const all = await admin.patch(`/items/${COLLECTION}`, { keys, data: { title: 'bulk' } });
		expect(all.status, JSON.stringify(all.body).slice(0, 300)).toBe(200);
		const bulk = await previousByKey(Number(before) + keys.length);
		const carried = [...bulk.values()].filter((previous) => previous !== undefined);
		expect(carried.length, 'deliveries of the bulk write that carry previous values').toBe(0);

		const pair = keys.slice(20, 22);
		expect((await admin.patch(`/items/${COLLECTION}`, { keys: pair, data: { title: 'pair' } })).status).toBe(200);
		const latest = await until(
			() => previousByKey(0),
			(found) => pair.every((key) => (found.get(String(key)) as { title?: string } | undefined)?.title === 'bulk'),
		);
		expect(latest.get(String(pair[0]))).toMatchObject({ title: 'bulk' });
	});
});
