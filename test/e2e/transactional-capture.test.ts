// Events of tracked writes (a request with a user or token, on a collection with activity
// tracking) are written in the write's own transaction: committed with the item or not at all.
// A process killed right after a write answered loses none; a write that rolls back leaves none;
// writes Directus does not track still fire, after the commit.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { connect } from '../harness/databases.ts';
import { Receiver } from '../harness/receiver.ts';
import { startStack, type Stack } from '../harness/stack.ts';
import { sleep, until } from '../harness/wait.ts';

const info = inject('directus');
const WRITES = 5_000;
const PARALLEL = 8;

describe('capture inside the write transaction', () => {
	let stack: Stack;
	let api: ApiClient;
	let receiver: Receiver;

	beforeAll(async () => {
		// No sender: what the outbox holds is what is counted. Thousands of writes on a busy machine
		// must not meet Directus's load shedding (503), as in the benches.
		stack = await startStack(info.kind, { label: `${info.kind}-transactional`, env: { WEBHOOKS_DISPATCHER: 'false', PRESSURE_LIMITER_ENABLED: 'false' } });
		api = new ApiClient(stack.info.url, stack.info.token);
		receiver = await Receiver.start();
	}, 120_000);

	afterAll(async () => {
		await receiver?.close();
		await stack?.stop();
	});

	async function count(query: (db: ReturnType<typeof connect>) => Promise<{ count: unknown }[]>): Promise<number> {
		const db = connect(stack.target);
		try {
			return Number((await query(db))[0]!.count);
		} finally {
			await db.destroy();
		}
	}

	async function webhook(collection: string, extra: Record<string, unknown> = {}): Promise<number> {
		const response = await api.post('/webhooks', { name: `on ${collection}`, url: receiver.url(`/${collection}`), actions: ['create', 'update', 'delete'], collections: [collection], ...extra });
		expect(response.status, JSON.stringify(response.body)).toBe(200);
		return response.body.data.id;
	}

	it(`loses no event of ${WRITES} tracked writes when Directus is killed (SIGKILL) right after the last one answered`, { timeout: 600_000 }, async () => {
		await api.createCollection('durable_items', { n: 'integer' });
		const hook = await webhook('durable_items');
		let next = 0;
		await Promise.all(
			Array.from({ length: PARALLEL }, async () => {
				while (next < WRITES) {
					const n = next++;
					const response = await api.post('/items/durable_items', { n });
					expect(response.status).toBe(200);
				}
			}),
		);
		// No wait for any buffer: the process dies now, as in a crash or an OOM kill.
		await stack.directus.kill();
		await stack.directus.start();
		api = new ApiClient(stack.info.url, stack.info.token);

		const db = connect(stack.target);
		try {
			const items = (await db('durable_items').select('id')).map((row: { id: unknown }) => String(row.id));
			const keys = new Set((await db('webhooks_deliveries').where({ webhook: hook }).select('item_key')).map((row: { item_key: unknown }) => String(row.item_key)));
			expect(items).toHaveLength(WRITES);
			const lost = items.filter((id) => !keys.has(id));
			expect(lost, `${lost.length} committed items have no delivery`).toEqual([]);
			expect(keys.size).toBe(WRITES);
		} finally {
			await db.destroy();
		}
	});

	it('leaves no delivery for a batch write that rolls back', async () => {
		await api.createCollection('rolled_back', { code: 'string' });
		const field = await api.patch('/fields/rolled_back/code', { schema: { is_unique: true } });
		expect(field.status, JSON.stringify(field.body)).toBe(200);
		const hook = await webhook('rolled_back');
		// The second item breaks the unique code: the first one's insert is undone with it.
		const response = await api.post('/items/rolled_back', [{ code: 'a' }, { code: 'b' }, { code: 'a' }]);
		expect(response.status).toBeGreaterThanOrEqual(400);
		expect(response.status).toBeLessThan(500);
		expect(await count((db) => db('rolled_back').count({ count: '*' }))).toBe(0);
		expect(await count((db) => db('webhooks_deliveries').where({ webhook: hook }).count({ count: '*' }))).toBe(0);
		// A write after it fires as usual.
		expect((await api.post('/items/rolled_back', { code: 'c' })).status).toBe(200);
		expect(await count((db) => db('webhooks_deliveries').where({ webhook: hook }).count({ count: '*' }))).toBe(1);
	});

	it('writes the deliveries of creates, updates and deletes before the request answers', async () => {
		await api.createCollection('answered', { n: 'integer' });
		const hook = await webhook('answered');
		const created = await api.post('/items/answered', [{ n: 1 }, { n: 2 }, { n: 3 }]);
		const ids = created.body.data.map((item: { id: number }) => item.id);
		expect((await api.patch('/items/answered', { keys: ids, data: { n: 9 } })).status).toBe(200);
		expect((await api.delete(`/items/answered/${ids[0]}`)).status).toBe(204);
		// Read at once, no wait: each answer came after its transaction (and its events) committed.
		const db = connect(stack.target);
		try {
			const rows: { event: string; item_key: string; event_data: unknown }[] = await db('webhooks_deliveries').where({ webhook: hook }).orderBy('id').select('event', 'item_key', 'event_data');
			expect(rows.map((row) => `${row.event} ${row.item_key}`)).toEqual([
				...ids.map((id: number) => `answered.items.create ${id}`),
				...ids.map((id: number) => `answered.items.update ${id}`),
				`answered.items.delete ${ids[0]}`,
			]);
			const data = rows.map((row) => (typeof row.event_data === 'string' ? JSON.parse(row.event_data) : row.event_data));
			expect(data[0]).toMatchObject({ event: 'answered.items.create', key: ids[0], payload: { n: 1 }, collection: 'answered' });
			expect(data[0].accountability.user).toEqual(expect.any(String));
			expect(data[3]).toMatchObject({ event: 'answered.items.update', keys: [ids[0]], payload: { n: 9 } });
			expect(data[6]).toMatchObject({ event: 'answered.items.delete', keys: [ids[0]], payload: null });
		} finally {
			await db.destroy();
		}
	});

	it('fires after the commit for a collection whose activity tracking is off, once per item', async () => {
		await api.createCollection('untracked', { n: 'integer' });
		const meta = await api.patch('/collections/untracked', { meta: { accountability: null } });
		expect(meta.status, JSON.stringify(meta.body)).toBe(200);
		const hook = await webhook('untracked');
		expect((await api.post('/items/untracked', [{ n: 1 }, { n: 2 }])).status).toBe(200);
		await until(() => count((db) => db('webhooks_deliveries').where({ webhook: hook }).count({ count: '*' })), (n) => n === 2, 10_000);
		// Nothing more arrives later (no second capture of the same write).
		await sleep(500);
		expect(await count((db) => db('webhooks_deliveries').where({ webhook: hook }).count({ count: '*' }))).toBe(2);
	});

	it('adds a debounced webhook’s events to its window with the write', async () => {
		await api.createCollection('built', { n: 'integer' });
		const hook = await webhook('built', { debounce_seconds: 30 });
		expect((await api.post('/items/built', [{ n: 1 }, { n: 2 }])).status).toBe(200);
		expect((await api.post('/items/built', { n: 3 })).status).toBe(200);
		const db = connect(stack.target);
		try {
			const rows: { event: string; event_data: unknown }[] = await db('webhooks_deliveries').where({ webhook: hook }).select('event', 'event_data');
			expect(rows).toHaveLength(1);
			const data = typeof rows[0]!.event_data === 'string' ? JSON.parse(rows[0]!.event_data) : rows[0]!.event_data;
			expect(data.count).toBe(3);
		} finally {
			await db.destroy();
		}
	});
});
