// Test databases: a fresh SQLite file, PostgreSQL database or MariaDB database per run, so
// runs never collide and every run starts from an empty schema.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';

export type DatabaseKind = 'sqlite' | 'postgres' | 'mariadb';

export interface DatabaseTarget {
	kind: DatabaseKind;
	/** Database name for servers, file path for SQLite. */
	name: string;
	env: Record<string, string>;
}

export const SERVER_DEFAULTS = {
	postgres: { host: process.env.TEST_PG_HOST ?? '127.0.0.1', port: Number(process.env.TEST_PG_PORT ?? 5432), user: process.env.TEST_PG_USER ?? 'postgres', password: process.env.TEST_PG_PASSWORD ?? '' },
	mariadb: { host: process.env.TEST_MARIADB_HOST ?? '127.0.0.1', port: Number(process.env.TEST_MARIADB_PORT ?? 3306), user: process.env.TEST_MARIADB_USER ?? 'root', password: process.env.TEST_MARIADB_PASSWORD ?? '' },
};

export function parseDatabaseKind(value: string | undefined): DatabaseKind {
	const kind = (value ?? 'sqlite').toLowerCase();
	if (kind === 'sqlite' || kind === 'postgres' || kind === 'mariadb') return kind;
	if (kind === 'pg' || kind === 'postgresql') return 'postgres';
	if (kind === 'mysql') return 'mariadb';
	throw new Error(`TEST_DB must be sqlite, postgres or mariadb (got "${value}")`);
}

/** Connection settings for Directus (its DB_* env) for an existing target. */
export function directusDatabaseEnv(kind: DatabaseKind, name: string): Record<string, string> {
	if (kind === 'sqlite') return { DB_CLIENT: 'sqlite3', DB_FILENAME: name };
	const server = SERVER_DEFAULTS[kind];
	return {
		DB_CLIENT: kind === 'postgres' ? 'pg' : 'mysql',
		DB_HOST: server.host,
		DB_PORT: String(server.port),
		DB_USER: server.user,
		DB_PASSWORD: server.password,
		DB_DATABASE: name,
	};
}

function adminConnection(kind: Exclude<DatabaseKind, 'sqlite'>): Knex {
	const server = SERVER_DEFAULTS[kind];
	return knex({
		client: kind === 'postgres' ? 'pg' : 'mysql2',
		connection: { ...server, database: kind === 'postgres' ? 'postgres' : undefined },
		pool: { min: 0, max: 1 },
	});
}

/** Creates an empty database (or picks a new SQLite file under dataDir). */
export async function createDatabase(kind: DatabaseKind, dataDir: string): Promise<DatabaseTarget> {
	if (kind === 'sqlite') {
		const name = join(dataDir, 'database.sqlite');
		return { kind, name, env: directusDatabaseEnv(kind, name) };
	}
	const name = `webhooks_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
	const admin = adminConnection(kind);
	try {
		await admin.raw(kind === 'postgres' ? `create database "${name}"` : `create database \`${name}\` character set utf8mb4 collate utf8mb4_unicode_ci`);
	} finally {
		await admin.destroy();
	}
	return { kind, name, env: directusDatabaseEnv(kind, name) };
}

export async function dropDatabase(target: DatabaseTarget): Promise<void> {
	if (target.kind === 'sqlite') return;
	const admin = adminConnection(target.kind);
	try {
		await admin.raw(target.kind === 'postgres' ? `drop database if exists "${target.name}" with (force)` : `drop database if exists \`${target.name}\``);
	} finally {
		await admin.destroy();
	}
}

/** A direct connection to the target, for assertions that must not go through Directus. */
export function connect(target: DatabaseTarget): Knex {
	if (target.kind === 'sqlite') {
		return knex({ client: 'sqlite3', connection: { filename: target.name }, useNullAsDefault: true, pool: { min: 0, max: 1 } });
	}
	const server = SERVER_DEFAULTS[target.kind];
	return knex({
		client: target.kind === 'postgres' ? 'pg' : 'mysql2',
		connection: { ...server, database: target.name },
		pool: { min: 0, max: 2 },
	});
}

export async function isServerReachable(kind: Exclude<DatabaseKind, 'sqlite'>): Promise<boolean> {
	const admin = adminConnection(kind);
	try {
		await admin.raw('select 1');
		return true;
	} catch {
		return false;
	} finally {
		await admin.destroy();
	}
}
