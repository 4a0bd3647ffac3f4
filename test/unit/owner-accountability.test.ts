import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OwnerAccountability } from '../../extensions/src/api/outbound/worker/owner-accountability';
import { filterFields } from '../../extensions/src/api/outbound/config/delegate-check';
import { pick } from '../../extensions/src/api/outbound/worker/owner-scope';

let db: Knex;

/** The four Directus tables owners are rebuilt from, with the columns read. */
beforeEach(async () => {
	db = knex({ client: 'sqlite3', connection: { filename: join(mkdtempSync(join(tmpdir(), 'owners-')), 'db.sqlite') }, useNullAsDefault: true });
	await db.schema.createTable('directus_users', (table) => (table.string('id'), table.string('role'), table.string('status')));
	await db.schema.createTable('directus_roles', (table) => (table.string('id'), table.string('parent')));
	await db.schema.createTable('directus_access', (table) => (table.string('role'), table.string('user'), table.string('policy')));
	await db.schema.createTable('directus_policies', (table) => (table.string('id'), table.boolean('admin_access'), table.boolean('app_access'), table.text('ip_access')));
	await db('directus_roles').insert([{ id: 'root', parent: null }, { id: 'child', parent: 'root' }]);
	await db('directus_policies').insert([{ id: 'admin', admin_access: true, app_access: true }, { id: 'app', admin_access: false, app_access: true }]);
});

afterEach(() => db.destroy());

describe('OwnerAccountability', () => {
	it("builds a user's accountability from their role, its parents and the policies of either", async () => {
		await db('directus_users').insert({ id: 'u1', role: 'child', status: 'active' });
		await db('directus_access').insert({ role: 'root', user: null, policy: 'app' });
		expect(await new OwnerAccountability(db).get('u1')).toEqual({
			kind: 'user',
			accountability: { user: 'u1', role: 'child', roles: ['root', 'child'], admin: false, app: true, ip: null },
		});
	});

	it('counts an admin policy on a parent role or on the user as full access', async () => {
		await db('directus_users').insert([{ id: 'u1', role: 'child', status: 'active' }, { id: 'u2', role: null, status: 'active' }]);
		await db('directus_access').insert([{ role: 'root', user: null, policy: 'admin' }, { role: null, user: 'u2', policy: 'admin' }]);
		const owners = new OwnerAccountability(db);
		expect(await owners.get('u1')).toEqual({ kind: 'admin' });
		expect(await owners.get('u2')).toEqual({ kind: 'admin' });
	});

	it('ignores policies limited to IP addresses, as Directus does for a request without one', async () => {
		await db('directus_policies').insert([
			{ id: 'admin-ip', admin_access: true, app_access: true, ip_access: '10.0.0.1' },
			{ id: 'app-ip', admin_access: false, app_access: true, ip_access: '10.0.0.0/8' },
			{ id: 'admin-empty-ip', admin_access: true, app_access: false, ip_access: '' },
		]);
		await db('directus_users').insert([{ id: 'u1', role: null, status: 'active' }, { id: 'u2', role: null, status: 'active' }]);
		await db('directus_access').insert([{ role: null, user: 'u1', policy: 'admin-ip' }, { role: null, user: 'u1', policy: 'app-ip' }, { role: null, user: 'u2', policy: 'admin-empty-ip' }]);
		const owners = new OwnerAccountability(db);
		expect(await owners.get('u1')).toEqual({ kind: 'user', accountability: { user: 'u1', role: null, roles: [], admin: false, app: false, ip: null } });
		// An empty list limits nothing.
		expect(await owners.get('u2')).toEqual({ kind: 'admin' });
	});

	it('gives a reason for a deleted or suspended owner', async () => {
		await db('directus_users').insert({ id: 'u1', role: null, status: 'suspended' });
		const owners = new OwnerAccountability(db);
		expect(await owners.get('u1')).toEqual({ kind: 'gone', reason: "the webhook's owner is suspended" });
		expect(await owners.get('nobody')).toEqual({ kind: 'gone', reason: "the webhook's owner no longer exists" });
	});

	it('reads an owner again only after a few seconds', async () => {
		await db('directus_users').insert({ id: 'u1', role: null, status: 'active' });
		const owners = new OwnerAccountability(db);
		const now = Date.now();
		expect((await owners.get('u1', now)).kind).toBe('user');
		await db('directus_users').update({ status: 'suspended' });
		expect((await owners.get('u1', now + 1_000)).kind).toBe('user');
		expect((await owners.get('u1', now + 6_000)).kind).toBe('gone');
	});
});

describe('filterFields and pick', () => {
	it('names the fields a filter tests, inside _and/_or and relational paths by their first field', () => {
		expect(filterFields({ _and: [{ a: { _eq: 1 } }, { _or: [{ b: { _null: true } }, { 'c.d': { _eq: 2 } }] }], e: { f: { _eq: 3 } } })).toEqual(['a', 'b', 'c', 'e']);
	});

	it('keeps only the listed fields of an object, and gives {} for anything else', () => {
		expect(pick({ a: 1, b: 2, c: 3 }, new Set(['a', 'c']))).toEqual({ a: 1, c: 3 });
		expect(pick([1, 2], new Set(['0']))).toEqual({});
		expect(pick(null, new Set(['a']))).toEqual({});
	});
});
