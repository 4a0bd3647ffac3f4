// /webhooks/stats/* with more webhooks than a database takes bind parameters in one statement
// (SQLite 32,766, PostgreSQL 65,535): the numbers stay right, for an admin and for a role whose
// policy grants read on webhooks (Directus 12 without a licence has no item-level rules: a role
// reads all webhooks or none), and a caller who may not read webhooks gets none.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { connect } from '../harness/databases.ts';
import { Receiver } from '../harness/receiver.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
const admin = new ApiClient(info.url, info.token);
const readerToken = randomBytes(24).toString('hex');
const reader = new ApiClient(info.url, readerToken);
const anonymous = new ApiClient(info.url, null);
const TAG = `stats_${randomBytes(3).toString('hex')}`;
/** Above PostgreSQL's 65,535 bind parameters, so one IN (…) of every id cannot work anywhere. */
const BULK = 66_000;

let receiver: Receiver;
let role: string;
/** Two webhooks with deliveries. */
let first: number;
let second: number;
let bulkFrom: number;

const db = () => connect({ kind: info.kind, name: info.database, env: info.env });

/**
 * Directus answers 503 "Under pressure" while its event loop is busy (the extension loads the
 * new rows into its registry right after the bulk insert): the same request again, until it is served.
 */
async function served(client: ApiClient, path: string) {
	return until(() => client.get(path), (response) => response.status !== 503, 50_000);
}

async function webhook(name: string): Promise<number> {
	const created = await admin.post('/webhooks', { name: `${TAG} ${name}`, url: receiver.url(`/${name}`), actions: ['delete'], collections: ['directus_roles'] });
	expect(created.status, JSON.stringify(created.body)).toBe(200);
	return created.body.data.id;
}

async function delivered(id: number, count: number): Promise<void> {
	for (let index = 0; index < count; index++) expect((await admin.post(`/webhooks/${id}/test`)).status).toBe(200);
	await until(async () => (await admin.get(`/webhooks/${id}/deliveries`)).body.data, (list: { status: string }[]) => list.length === count && list.every((row) => row.status === 'succeeded'));
}

beforeAll(async () => {
	receiver = await Receiver.start();
	first = await webhook('first');
	second = await webhook('second');
	await delivered(first, 3);
	await delivered(second, 2);

	const policy = await admin.post('/policies', { name: `${TAG} readers`, app_access: true, admin_access: false });
	expect(policy.status, JSON.stringify(policy.body)).toBe(200);
	const permission = await admin.post('/permissions', {
		policy: policy.body.data.id,
		collection: 'webhooks_outgoing',
		action: 'read',
		fields: ['*'],
		permissions: {},
	});
	expect(permission.status, JSON.stringify(permission.body)).toBe(200);
	role = (await admin.post('/roles', { name: `${TAG} reader` })).body.data.id;
	await admin.post('/access', { role, policy: policy.body.data.id });
	const user = await admin.post('/users', { email: `${TAG}@example.com`, password: randomBytes(12).toString('hex'), role, token: readerToken });
	expect(user.status, JSON.stringify(user.body)).toBe(200);

	// The bulk: copies of a real row, inactive so they match no event, written straight to the table.
	const knex = db();
	try {
		const { id: _id, ...template } = await knex('webhooks_outgoing').where({ id: second }).first();
		const rows = Array.from({ length: BULK }, (_, index) => ({ ...template, name: `${TAG} bulk ${index}`, status: 'inactive' }));
		await knex.batchInsert('webhooks_outgoing', rows, 500);
		bulkFrom = Number((await knex('webhooks_outgoing').where('name', `${TAG} bulk 0`).first('id')).id);
	} finally {
		await knex.destroy();
	}
}, 240_000);

afterAll(async () => {
	const knex = db();
	try {
		if (bulkFrom) await knex('webhooks_outgoing').where('id', '>=', bulkFrom).andWhere('name', 'like', `${TAG} bulk %`).delete();
	} finally {
		await knex.destroy();
	}
	await admin.delete('/webhooks', [first, second].filter(Boolean));
	const users = await admin.get(`/users?filter[email][_eq]=${TAG}@example.com&fields=id`);
	for (const { id } of users.body.data ?? []) await admin.delete(`/users/${id}`);
	if (role) await admin.delete(`/roles/${role}`);
	const policies = await admin.get(`/policies?filter[name][_starts_with]=${TAG}&fields=id`);
	for (const { id } of policies.body.data ?? []) await admin.delete(`/policies/${id}`);
	await receiver?.close();
});

describe('stats with more webhooks than one statement can name', () => {
	it('gives an admin the summary of every webhook, with the right numbers', async () => {
		const response = await served(admin, '/webhooks/stats/summary');
		expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(200);
		const rows: { webhook: number; deliveries_24h: number; success_rate_24h: number | null; last_status: string | null }[] = response.body.data;
		expect(rows.length).toBeGreaterThanOrEqual(BULK + 2);
		expect(new Set(rows.map((row) => row.webhook)).size).toBe(rows.length);
		const byId = new Map(rows.map((row) => [row.webhook, row]));
		expect(byId.get(first)).toMatchObject({ deliveries_24h: 3, success_rate_24h: 1, last_status: 'succeeded' });
		expect(byId.get(second)).toMatchObject({ deliveries_24h: 2, success_rate_24h: 1, last_status: 'succeeded' });
		expect(byId.get(bulkFrom + 123)).toMatchObject({ deliveries_24h: 0, success_rate_24h: null, last_status: null });
	});

	it('gives an admin the activity timeline with every delivery counted', async () => {
		const response = await served(admin, '/webhooks/stats/activity?hours=1');
		expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(200);
		const knex = db();
		let total: number;
		try {
			const row = await knex('webhooks_deliveries').where('created_at', '>=', Date.now() - 60 * 60 * 1000).count({ n: '*' }).first();
			total = Number(row!.n);
		} finally {
			await knex.destroy();
		}
		const counted = response.body.data.reduce((sum: number, bucket: Record<string, number>) => sum + bucket.succeeded + bucket.failed + bucket.pending + bucket.skipped, 0);
		expect(total).toBeGreaterThanOrEqual(5);
		expect(counted).toBe(total);
		const one = await served(admin, `/webhooks/stats/activity?hours=1&webhook=${first}`);
		expect(one.body.data.reduce((sum: number, bucket: { succeeded: number }) => sum + bucket.succeeded, 0)).toBe(3);
	});

	it('counts for a non-admin the webhooks their policy lets them read, and nothing for the public', async () => {
		const summary = await served(reader, '/webhooks/stats/summary');
		expect(summary.status, JSON.stringify(summary.body).slice(0, 500)).toBe(200);
		expect(summary.body.data.length).toBeGreaterThanOrEqual(BULK + 2);
		expect(summary.body.data.find((row: { webhook: number }) => row.webhook === first)).toMatchObject({ deliveries_24h: 3, success_rate_24h: 1 });
		const activity = await served(reader, `/webhooks/stats/activity?hours=1&webhook=${second}`);
		expect(activity.status, JSON.stringify(activity.body)).toBe(200);
		expect(activity.body.data.reduce((sum: number, bucket: { succeeded: number }) => sum + bucket.succeeded, 0)).toBe(2);
		for (const path of ['/webhooks/stats/summary', '/webhooks/stats/activity?hours=1']) {
			const refused = await served(anonymous, path);
			expect(refused.status, path).toBe(403);
			expect(refused.body.data).toBeUndefined();
		}
	});
});
