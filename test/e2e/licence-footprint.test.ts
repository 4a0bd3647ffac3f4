// Directus 12's core licence counts active collections (25 at most). The delivery log
// (webhooks_deliveries, webhooks_attempts) lives in tables the extension owns without a Directus
// collection ("database only"), so only the config collections count. An install made before keeps
// every logged row when it upgrades: only the two collection rows go. Own database and Directus.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { COLLECTIONS } from '../../extensions/src/api/schema/collections.ts';
import { ApiClient } from '../harness/client.ts';
import { connect, createDatabase, dropDatabase, type DatabaseTarget } from '../harness/databases.ts';
import { ok } from '../harness/delegate.ts';
import { DirectusProcess, directusDir } from '../harness/directus.ts';
import { LOG_TABLES, rewindLogToCollections } from '../harness/legacy-schema.ts';
import { Receiver } from '../harness/receiver.ts';
import { artifactsDir } from '../harness/stack.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
/** Directus 11 has no licence and no /license. */
const HAS_LICENCE = Number(JSON.parse(readFileSync(join(directusDir(), 'package.json'), 'utf8')).version.split('.')[0]) >= 12;
/** The extension's collections Directus counts: tables with a collection row. */
const COUNTED = COLLECTIONS.filter((definition) => definition.meta !== null && definition.schema !== null).map((definition) => definition.collection);

let target: DatabaseTarget;
let directus: DirectusProcess;
let receiver: Receiver;
const base = artifactsDir(`${info.kind}-licence`);

async function withDb<T>(read: (db: Knex) => Promise<T>): Promise<T> {
	const db = connect(target);
	try {
		return await read(db);
	} finally {
		await db.destroy();
	}
}

/** Everything the database holds for the log: collection rows, field rows, and every row of both tables. */
function logState() {
	return withDb(async (db) => ({
		collectionRows: await db('directus_collections').whereIn('collection', LOG_TABLES).pluck('collection'),
		deliveries: await db('webhooks_deliveries').orderBy('id').select('*'),
		attempts: await db('webhooks_attempts').orderBy('id').select('*'),
		fields: await db('directus_fields').whereIn('collection', LOG_TABLES).orderBy('id').select('collection', 'field', 'special', 'interface'),
	}));
}

/** Active collections as the licence counts them (GET /license, admins only): the database holds no others. */
async function expectOnlyConfigCounted(): Promise<void> {
	expect(COUNTED).toEqual(['webhooks_outgoing', 'webhooks_endpoints']);
	const licence = await ok(new ApiClient(directus.url, info.token).get('/license'));
	expect(licence.usage.collections).toBe(COUNTED.length);
}

beforeAll(async () => {
	receiver = await Receiver.start();
	target = await createDatabase(info.kind, base);
	directus = await DirectusProcess.create({ dataDir: base, env: { ...info.env, ...target.env }, logFile: join(base, 'directus.log') });
	await directus.run(['bootstrap']);
	await directus.start();
}, 180_000);

afterAll(async () => {
	await directus?.stop();
	if (target) await dropDatabase(target);
	await receiver?.close();
});

describe('a fresh install', () => {
	it('keeps deliveries and attempts in tables with their fields, but without a Directus collection row', async () => {
		const state = await logState();
		expect(state.collectionRows).toEqual([]);
		for (const table of LOG_TABLES) expect(await withDb((db) => db.schema.hasTable(table)), table).toBe(true);
		// Directus still reads their JSON columns as JSON: the field rows are there.
		expect(state.fields).toContainEqual(expect.objectContaining({ collection: 'webhooks_deliveries', field: 'event_data', special: 'cast-json' }));
		expect(state.fields).toContainEqual(expect.objectContaining({ collection: 'webhooks_attempts', field: 'request_headers', special: 'cast-json' }));
		// The config collections and the folder are collections as before.
		expect(await withDb((db) => db('directus_collections').whereIn('collection', ['webhooks', ...COUNTED]).orderBy('collection').pluck('collection'))).toEqual(['webhooks', ...COUNTED].sort());
	});

	it.skipIf(!HAS_LICENCE)('counts only webhooks_outgoing and webhooks_endpoints against Directus 12\'s core licence (skipped on Directus 11: it has no /license)', async () => {
		await expectOnlyConfigCounted();
	});
});

describe('upgrading an install whose delivery log was two collections', () => {
	let webhook: number;

	it('removes only the two collection rows: every delivery and attempt stays, the delivery log API shows them, and new deliveries are written', { timeout: 240_000 }, async () => {
		const api = () => new ApiClient(directus.url, info.token);
		// The receiver refuses the first request, so one delivery has two attempts.
		let calls = 0;
		receiver.respond(() => (++calls === 1 ? { status: 500, body: 'not yet' } : { status: 200, body: 'ok' }));
		webhook = (await ok(api().post('/webhooks', { name: 'licence log', url: receiver.url('/log'), actions: ['create'], collections: ['directus_folders'] }))).id;
		// One after the other: the retried delivery settles before the next is captured.
		await ok(api().post('/folders', { name: 'first' }));
		await until(logState, (state) => state.deliveries[0]?.status === 'succeeded' && state.attempts.length === 2);
		await ok(api().post('/folders', { name: 'second' }));
		await until(logState, (state) => state.deliveries.length === 2 && state.deliveries.every((row) => row.status === 'succeeded') && state.attempts.length === 3);
		await directus.stop();

		// Take the database back to what the version before wrote: the log tables as collections.
		await withDb(rewindLogToCollections);
		const before = await logState();
		expect(before.collectionRows.sort()).toEqual([...LOG_TABLES].sort());
		expect(before.deliveries).toHaveLength(2);
		expect(before.attempts).toHaveLength(3);

		await directus.start();
		const after = await logState();
		expect(after.collectionRows).toEqual([]);
		expect(after.fields).toEqual(before.fields);
		expect(after.deliveries).toEqual(before.deliveries);
		expect(after.attempts).toEqual(before.attempts);

		// The delivery log API reads them, JSON columns as JSON.
		const listed: { id: number; message_id: string; status: string }[] = await ok(api().get(`/webhooks/${webhook}/deliveries`));
		expect(listed.map((row) => row.id)).toEqual(before.deliveries.map((row) => Number(row.id)).reverse());
		expect(listed.map((row) => row.message_id).sort()).toEqual(before.deliveries.map((row) => row.message_id).sort());
		const retried = before.deliveries.find((row) => Number(row.attempts) === 2)!;
		const single = await ok(api().get(`/webhooks/${webhook}/deliveries/${retried.id}`));
		expect(single).toMatchObject({ id: Number(retried.id), message_id: retried.message_id, status: 'succeeded', event: 'directus_folders.items.create' });
		expect(single.event_data).toEqual(expect.any(Object));
		expect(single.attempts.map((attempt: { id: number }) => attempt.id)).toEqual(before.attempts.filter((row) => Number(row.delivery) === Number(retried.id)).map((row) => Number(row.id)));
		expect(single.attempts.map((attempt: { response_status: number }) => attempt.response_status)).toEqual([500, 200]);
		expect(single.attempts[0].request_headers).toEqual(expect.objectContaining({ 'webhook-id': retried.message_id }));

		// New deliveries keep being written and sent.
		const sent = receiver.requests.length;
		await ok(api().post('/folders', { name: 'third' }));
		await receiver.waitFor(sent + 1);
		const latest = await until(logState, (state) => state.deliveries.length === 3 && state.deliveries[2].status === 'succeeded' && state.attempts.length === 4);
		expect(Number(latest.deliveries[2].id)).toBeGreaterThan(Number(before.deliveries[1].id));
		expect(latest.collectionRows).toEqual([]);
	});

	it.skipIf(!HAS_LICENCE)('counts only webhooks_outgoing and webhooks_endpoints after the upgrade (skipped on Directus 11: it has no /license)', async () => {
		await expectOnlyConfigCounted();
	});
});

// Two incoming endpoints sharing the inbox (at most 3 counted in all): inbound-shared-storage.test.
