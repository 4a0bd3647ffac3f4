// One bootstrapped Directus on a fresh database: what the e2e suite and the benchmarks run against.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabase, dropDatabase, type DatabaseKind, type DatabaseTarget } from './databases.ts';
import { DirectusProcess, ROOT } from './directus.ts';

export const ADMIN = { email: 'admin@example.com', password: 'webhooks-admin-password' };

export interface StackInfo {
	url: string;
	token: string;
	kind: DatabaseKind;
	database: string;
	dataDir: string;
	logFile: string;
	/** The full env the instance runs with, so a test can start siblings on the same database. */
	env: Record<string, string>;
}

export interface Stack {
	info: StackInfo;
	directus: DirectusProcess;
	target: DatabaseTarget;
	stop(): Promise<void>;
}

// Logs and databases of earlier runs are kept for a day to look at, then pruned.
const ARTIFACT_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export function artifactsDir(label: string): string {
	const base = join(ROOT, 'test', '.artifacts');
	mkdirSync(base, { recursive: true });
	for (const entry of readdirSync(base)) {
		const path = join(base, entry);
		if (Date.now() - statSync(path).mtimeMs > ARTIFACT_MAX_AGE_MS) rmSync(path, { recursive: true, force: true });
	}
	return mkdtempSync(join(base, `${label}-`));
}

/** Every setting of a test instance but the database's: a fresh secret, the admin with `token`, then `extra`. */
export function instanceEnv(token: string, extra: Record<string, string> = {}): Record<string, string> {
	return {
		SECRET: randomBytes(32).toString('hex'),
		ADMIN_EMAIL: ADMIN.email,
		ADMIN_PASSWORD: ADMIN.password,
		ADMIN_TOKEN: token,
		LOG_LEVEL: 'info',
		WEBSOCKETS_ENABLED: 'false',
		// Resumable uploads, off by default in Directus: events.test uploads files through them too.
		TUS_ENABLED: 'true',
		// Directus's default also refuses every local address (0.0.0.0): /files/import must reach test receivers.
		IMPORT_IP_DENY_LIST: '169.254.169.254',
		// Test receivers listen on loopback, which the SSRF guard refuses by default.
		WEBHOOKS_IP_ALLOW_LIST: '127.0.0.1,::1',
		// Short retries so recovery tests finish in seconds.
		WEBHOOKS_RETRY_SCHEDULE: '1s,1s,1s,2s,2s,3s',
		WEBHOOKS_POLL_INTERVAL: '200ms',
		// Long enough for the retry test's short outage, short enough to test auto-disable.
		WEBHOOKS_DISABLE_AFTER: '6s',
		// Small, so a test fills it: the refused-request log keeps this many per endpoint.
		WEBHOOKS_REFUSED_LOG_SIZE: '50',
		// The scrape token metrics.test sends; each instance gets its own.
		WEBHOOKS_METRICS_TOKEN: randomBytes(24).toString('hex'),
		// Directus 11 trusts proxies by default, 12 does not: the same on both (inbound-verification.test starts a trusting sibling).
		IP_TRUST_PROXY: 'false',
		...extra,
	};
}

export async function startStack(kind: DatabaseKind, options: { label?: string; env?: Record<string, string> } = {}): Promise<Stack> {
	const dataDir = artifactsDir(options.label ?? kind);
	const target = await createDatabase(kind, dataDir);
	const token = randomBytes(24).toString('hex');
	const env: Record<string, string> = { ...target.env, ...instanceEnv(token, options.env) };
	const logFile = join(dataDir, 'directus.log');
	const directus = await DirectusProcess.create({ dataDir, env, logFile });
	try {
		await directus.run(['bootstrap']);
		await directus.start();
	} catch (error) {
		await directus.stop();
		await dropDatabase(target);
		throw error;
	}
	return {
		info: { url: directus.url, token, kind, database: target.name, dataDir, logFile, env },
		directus,
		target,
		async stop() {
			await directus.stop();
			await dropDatabase(target);
		},
	};
}
