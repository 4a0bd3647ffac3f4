import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { connect, createDatabase, dropDatabase, isServerReachable, type DatabaseKind, type DatabaseTarget } from '../harness/databases.ts';
import { DirectusProcess } from '../harness/directus.ts';
import { Receiver } from '../harness/receiver.ts';
import { artifactsDir } from '../harness/stack.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const OURS = ['webhooks', 'webhooks_attempts', 'webhooks_deliveries', 'webhooks_outgoing'];

/** What the installer writes, read straight from the database. */
async function snapshot(target: DatabaseTarget) {
	const db = connect(target);
	try {
		const collections = await db('directus_collections').whereIn('collection', OURS).orderBy('collection');
		const fields = await db('directus_fields').whereIn('collection', OURS).orderBy(['collection', 'field']);
		const columns = await db('webhooks_outgoing').columnInfo();
		const settings = await db('directus_settings').select('module_bar');
		return { collections, fields, columns: Object.keys(columns).sort(), settings };
	} finally {
		await db.destroy();
	}
}

function errorLines(logFile: string): string[] {
	return readFileSync(logFile, 'utf8')
		.split('\n')
		.filter((line) => /"level":(50|60)/.test(line) || /\[webhooks\] could not/.test(line));
}

describe('schema installed on startup', () => {
	it('creates the webhooks folder and the outgoing webhooks collection in it', async () => {
		const folder = await api.get('/collections/webhooks');
		expect(folder.status).toBe(200);
		expect(folder.body.data.schema).toBeNull();

		const outgoing = await api.get('/collections/webhooks_outgoing');
		expect(outgoing.status).toBe(200);
		expect(outgoing.body.data.meta.group).toBe('webhooks');
		expect(outgoing.body.data.meta.translations).toContainEqual(expect.objectContaining({ language: 'en-US', translation: 'Outgoing webhooks' }));
		expect(outgoing.body.data.schema.name).toBe('webhooks_outgoing');
	});

	it('gives the config collection the fields of the Directus webhook object, with interfaces and notes', async () => {
		const response = await api.get('/fields/webhooks_outgoing');
		expect(response.status).toBe(200);
		const fields = new Map<string, any>(response.body.data.map((field: any) => [field.field, field]));
		for (const name of ['id', 'name', 'method', 'url', 'status', 'data', 'actions', 'collections', 'headers', 'description']) {
			expect(fields.has(name), `field ${name}`).toBe(true);
		}
		for (const name of ['name', 'url', 'actions', 'collections', 'headers', 'status']) {
			expect(fields.get(name).meta.interface, `${name} interface`).toBeTruthy();
			expect(fields.get(name).meta.note, `${name} note`).toBeTruthy();
		}
		expect(fields.get('id').schema.is_primary_key).toBe(true);
		expect(fields.get('method').schema.default_value).toBe('POST');
		expect(fields.get('status').schema.default_value).toBe('active');
		expect(fields.get('actions').type).toBe('csv');
	});

	it('stores and reads a webhook row through Directus', async () => {
		const created = await api.post('/items/webhooks_outgoing', {
			name: 'schema smoke',
			url: 'https://example.com/hook',
			actions: ['create', 'update'],
			collections: ['directus_users'],
		});
		expect(created.status).toBe(200);
		const read = await api.get(`/items/webhooks_outgoing/${created.body.data.id}`);
		expect(read.body.data).toMatchObject({ method: 'POST', status: 'active', data: true, actions: ['create', 'update'] });
		await api.delete(`/items/webhooks_outgoing/${created.body.data.id}`);
	});

	it('enables the Webhooks module in the app sidebar', async () => {
		const settings = await api.get('/settings?fields=module_bar');
		const bar: any[] = settings.body.data.module_bar;
		expect(bar.find((entry) => entry.id === 'webhooks')).toEqual({ type: 'module', id: 'webhooks', enabled: true });
		expect(bar.find((entry) => entry.id === 'content')?.enabled).toBe(true);

		const extensions = await api.get('/extensions');
		const bundle = extensions.body.data.find((extension: any) => extension.schema?.name === 'directus-extension-webhooks');
		expect(bundle?.schema.type).toBe('bundle');
		const types = extensions.body.data
			.filter((extension: any) => extension.bundle === bundle.id)
			.map((extension: any) => extension.schema.type)
			.sort();
		expect(types).toEqual(['endpoint', 'hook', 'module', 'panel']);
	});

	it('changes nothing when Directus starts again on the same database', async () => {
		const target: DatabaseTarget = { kind: info.kind, name: info.database, env: {} };
		const before = await snapshot(target);
		const dataDir = artifactsDir(`${info.kind}-restart`);
		const second = await DirectusProcess.create({ dataDir, env: info.env, logFile: join(dataDir, 'directus.log') });
		try {
			await second.start();
		} finally {
			await second.stop();
		}
		expect(await snapshot(target)).toEqual(before);
		const log = readFileSync(join(dataDir, 'directus.log'), 'utf8');
		expect(log).not.toContain('[webhooks] schema installed');
		expect(errorLines(join(dataDir, 'directus.log'))).toEqual([]);
	});
});

// SQLite runs check this on PostgreSQL: it is the database where instances really race.
const concurrentKind: Exclude<DatabaseKind, 'sqlite'> = info.kind === 'mariadb' ? 'mariadb' : 'postgres';
const reachable = await isServerReachable(concurrentKind);
if (!reachable && process.env.CI) throw new Error(`${concurrentKind} is not reachable, but CI must run the concurrent-start test`);

describe.skipIf(!reachable)(`two instances starting together on ${concurrentKind}`, () => {
	let target: DatabaseTarget;
	const instances: DirectusProcess[] = [];

	beforeAll(async () => {
		const base = artifactsDir(`${concurrentKind}-concurrent`);
		target = await createDatabase(concurrentKind, base);
		// Several instances share state through Redis, as Directus documents for scaling out.
		const namespace = `webhooks-test-${target.name}`;
		const env = {
			...info.env,
			...target.env,
			REDIS_ENABLED: 'true',
			REDIS: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
			REDIS_BUS_NAMESPACE: `${namespace}-bus`,
			REDIS_LOCK_NAMESPACE: `${namespace}-lock`,
			REDIS_COUNTERS_NAMESPACE: `${namespace}-counters`,
			REDIS_PERMISSIONS_NAMESPACE: `${namespace}-permissions`,
		};
		const bootstrap = await DirectusProcess.create({ dataDir: join(base, 'bootstrap'), env });
		await bootstrap.run(['bootstrap']);
		for (const name of ['a', 'b']) {
			const dataDir = join(base, name);
			instances.push(await DirectusProcess.create({ dataDir, env, logFile: join(dataDir, 'directus.log') }));
		}
	});

	afterAll(async () => {
		await Promise.all(instances.map((instance) => instance.stop()));
		if (target) await dropDatabase(target);
	});

	it('ends with one schema and no error', async () => {
		await Promise.all(instances.map((instance) => instance.start()));

		const state = await snapshot(target);
		expect(state.collections.map((row: any) => row.collection)).toEqual(OURS);
		const perField = new Map<string, number>();
		for (const row of state.fields) perField.set(`${row.collection}.${row.field}`, (perField.get(`${row.collection}.${row.field}`) ?? 0) + 1);
		expect([...perField.values()].every((count) => count === 1)).toBe(true);
		expect(perField.has('webhooks_outgoing.url')).toBe(true);
		const bar = state.settings.map((row: any) => (typeof row.module_bar === 'string' ? JSON.parse(row.module_bar) : row.module_bar));
		expect(bar).toHaveLength(1);
		expect(bar[0].filter((entry: any) => entry.id === 'webhooks')).toHaveLength(1);

		for (const instance of instances) {
			const client = new ApiClient(instance.url, info.token);
			expect((await client.get('/collections/webhooks_outgoing')).status).toBe(200);
			expect(errorLines(instance.options.logFile!)).toEqual([]);
		}
		const installed = instances.filter((instance) => readFileSync(instance.options.logFile!, 'utf8').includes('[webhooks] schema installed'));
		expect(installed).toHaveLength(1);
	});

	it('applies config made on one instance on the other within 2 s, and delivers each event exactly once', async () => {
		const receiver = await Receiver.start();
		try {
			const [a, b] = instances.map((instance) => new ApiClient(instance.url, info.token)) as [ApiClient, ApiClient];
			const collection = await a.post('/collections', {
				collection: 'multi_items',
				schema: {},
				meta: {},
				fields: [
					{ field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: true }, meta: {} },
					{ field: 'n', type: 'integer', schema: {}, meta: {} },
				],
			});
			expect(collection.status).toBe(200);
			// Let B's schema cache learn about the new collection.
			await new Promise((wait) => setTimeout(wait, 500));
			const hook = await a.post('/webhooks', { name: 'multi', url: receiver.url('/multi'), actions: ['create'], collections: ['multi_items'] });
			expect(hook.status).toBe(200);
			await new Promise((wait) => setTimeout(wait, 2000));

			const perSide = 25;
			const written = await Promise.all([
				a.post('/items/multi_items', Array.from({ length: perSide }, (_, n) => ({ n }))),
				b.post('/items/multi_items', Array.from({ length: perSide }, (_, n) => ({ n: n + 1000 }))),
			]);
			expect(written.map((response) => response.status)).toEqual([200, 200]);
			await receiver.waitFor(perSide * 2, 30_000);
			await new Promise((wait) => setTimeout(wait, 1500));
			expect(receiver.requests).toHaveLength(perSide * 2);
			expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(perSide * 2);
			const numbers = receiver.requests.map((request) => JSON.parse(request.body).payload.n).sort((x, y) => x - y);
			expect(numbers).toEqual([...Array.from({ length: perSide }, (_, n) => n), ...Array.from({ length: perSide }, (_, n) => n + 1000)]);

			// A change on B (deactivate) stops A from capturing within 2 s.
			await b.patch(`/webhooks/${hook.body.data.id}`, { status: 'inactive' });
			await new Promise((wait) => setTimeout(wait, 2000));
			await a.post('/items/multi_items', { n: 5000 });
			await new Promise((wait) => setTimeout(wait, 1000));
			expect(receiver.requests).toHaveLength(perSide * 2);
		} finally {
			await receiver.close();
		}
	});
});
