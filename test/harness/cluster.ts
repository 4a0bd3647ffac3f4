// Several Directus instances on one PostgreSQL or MariaDB database, sharing state through Redis
// as Directus documents for scaling out: what the multi-instance tests and benchmarks run.
import { join } from 'node:path';
import { createDatabase, dropDatabase, type DatabaseKind, type DatabaseTarget } from './databases.ts';
import { DirectusProcess } from './directus.ts';
import { artifactsDir } from './stack.ts';

export type ServerKind = Exclude<DatabaseKind, 'sqlite'>;

export interface Cluster {
	target: DatabaseTarget;
	instances: DirectusProcess[];
	/** Starts every instance at once (they race for the schema install, as in production). */
	start(): Promise<void>;
	stop(): Promise<void>;
}

/** Redis settings that make instances one cluster; namespaced so parallel runs never meet. */
export function redisEnv(namespace: string): Record<string, string> {
	return {
		REDIS_ENABLED: 'true',
		REDIS: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
		REDIS_BUS_NAMESPACE: `${namespace}-bus`,
		REDIS_LOCK_NAMESPACE: `${namespace}-lock`,
		REDIS_COUNTERS_NAMESPACE: `${namespace}-counters`,
		REDIS_PERMISSIONS_NAMESPACE: `${namespace}-permissions`,
	};
}

/**
 * Creates a fresh database, bootstraps it once and prepares `count` instances on it (not started).
 * `baseEnv` is a stack's env (secret, admin, webhooks settings); `perInstance` adds settings to one.
 */
export async function createCluster(
	kind: ServerKind,
	baseEnv: Record<string, string>,
	options: { count?: number; label?: string; env?: Record<string, string>; perInstance?: (index: number) => Record<string, string> } = {},
): Promise<Cluster> {
	const base = artifactsDir(options.label ?? `${kind}-cluster`);
	const target = await createDatabase(kind, base);
	const env = { ...baseEnv, ...target.env, ...redisEnv(`webhooks-test-${target.name}`), ...options.env };
	const instances: DirectusProcess[] = [];
	try {
		const bootstrap = await DirectusProcess.create({ dataDir: join(base, 'bootstrap'), env });
		await bootstrap.run(['bootstrap']);
		for (let index = 0; index < (options.count ?? 2); index++) {
			const dataDir = join(base, String.fromCharCode(97 + index));
			instances.push(await DirectusProcess.create({ dataDir, env: { ...env, ...options.perInstance?.(index) }, logFile: join(dataDir, 'directus.log') }));
		}
	} catch (error) {
		await dropDatabase(target);
		throw error;
	}
	return {
		target,
		instances,
		async start() {
			await Promise.all(instances.map((instance) => instance.start()));
		},
		async stop() {
			await Promise.all(instances.map((instance) => instance.stop()));
			await dropDatabase(target);
		},
	};
}
