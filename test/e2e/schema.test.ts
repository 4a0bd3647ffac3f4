import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { connect, isServerReachable, type DatabaseTarget } from '../harness/databases.ts';
import { createCluster, type Cluster, type ServerKind } from '../harness/cluster.ts';
import { DirectusProcess } from '../harness/directus.ts';
import { LOG_TABLES, rewindLogToCollections } from '../harness/legacy-schema.ts';
import { artifactsDir } from '../harness/stack.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
/** Directus collections (directus_collections rows), and the delivery log's tables, which have none. */
const COLLECTIONS = ['webhooks', 'webhooks_outgoing'];
const OURS = [...COLLECTIONS, ...LOG_TABLES];

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

	it('keeps the delivery log in tables Directus lists as database only: no collection meta, but their fields with interfaces', async () => {
		for (const table of LOG_TABLES) {
			const collection = await api.get(`/collections/${table}`);
			expect(collection.status).toBe(200);
			expect(collection.body.data.meta, table).toBeNull();
			expect(collection.body.data.schema.name).toBe(table);
		}
		const fields = await api.get('/fields/webhooks_attempts');
		expect(fields.body.data.find((field: any) => field.field === 'request_headers')).toMatchObject({ type: 'json', meta: { special: ['cast-json'], readonly: true } });
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
		// Transitions: filter rules on both sides of an update, edited as JSON.
		for (const name of ['filter', 'previous_filter']) {
			expect(fields.get(name), name).toMatchObject({ type: 'json', meta: { interface: 'input-code', special: ['cast-json'] }, schema: { is_nullable: true } });
		}
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
		expect(types).toEqual(['endpoint', 'hook', 'module', 'operation', 'panel']);
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
const concurrentKind: ServerKind = info.kind === 'mariadb' ? 'mariadb' : 'postgres';
const reachable = await isServerReachable(concurrentKind);
if (!reachable && process.env.CI) throw new Error(`${concurrentKind} is not reachable, but CI must run the concurrent-start test`);

describe.skipIf(!reachable)(`two instances starting together on ${concurrentKind}`, () => {
	let cluster: Cluster | undefined;
	let target: DatabaseTarget;
	let instances: DirectusProcess[] = [];

	beforeAll(async () => {
		cluster = await createCluster(concurrentKind, info.env, { label: `${concurrentKind}-concurrent` });
		({ target, instances } = cluster);
	});

	afterAll(async () => {
		await cluster?.stop();
	});

	/** One schema (each field row once, the module bar entry once), and no error in any instance's log. */
	async function expectOneSchema(): Promise<void> {
		const state = await snapshot(target);
		expect(state.collections.map((row: any) => row.collection)).toEqual(COLLECTIONS);
		for (const table of LOG_TABLES) expect(state.fields.some((row: any) => row.collection === table && row.field === 'id'), table).toBe(true);
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
	}

	/** What each "schema installed" line of any instance's log reports, oldest first (a log keeps every start of its instance). */
	const installs = () =>
		instances
			.flatMap((instance) => readFileSync(instance.options.logFile!, 'utf8').split('\n').filter((line) => line.includes('[webhooks] schema installed')))
			.map((line) => JSON.parse(line) as { time: number; webhooks: unknown })
			.sort((a, b) => a.time - b.time)
			.map((entry) => entry.webhooks);

	it('ends with one schema and no error', async () => {
		await cluster!.start();
		await expectOneSchema();
		expect(installs()).toHaveLength(1);
	});

	it('upgrading both at once from an install whose delivery log was two collections: one removes their rows, the other finds nothing to do', async () => {
		await Promise.all(instances.map((instance) => instance.stop()));
		const db = connect(target);
		try {
			await rewindLogToCollections(db);
		} finally {
			await db.destroy();
		}
		await cluster!.start();
		await expectOneSchema();
		const [, upgrade, ...more] = installs();
		expect(more).toEqual([]);
		expect(upgrade).toEqual({ createdCollections: [], addedFields: [], unmanagedCollections: ['webhooks_deliveries', 'webhooks_attempts'], moduleBarUpdated: false });
	});
});
