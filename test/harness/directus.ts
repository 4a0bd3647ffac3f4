// Runs a real Directus (the version pinned in package.json) with our bundle loaded: used by
// `npm start`, the e2e tests and the benchmarks alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readlinkSync, symlinkSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where a Directus version lives: the pinned one in node_modules, others under test/.directus. */
export function directusDir(version = process.env.TEST_DIRECTUS_VERSION): string {
	return version ? join(ROOT, 'test', '.directus', version, 'node_modules', 'directus') : join(ROOT, 'node_modules', 'directus');
}

function cli(): string {
	const path = join(directusDir(), 'cli.js');
	if (!existsSync(path)) throw new Error(`Directus ${process.env.TEST_DIRECTUS_VERSION} is not installed: run node test/harness/install-directus.ts ${process.env.TEST_DIRECTUS_VERSION}`);
	return path;
}
const BUNDLE_DIR = join(ROOT, 'extensions');
const BUNDLE_NAME = 'directus-extension-webhooks';

export interface DirectusOptions {
	/** Holds uploads, the extensions folder and (for SQLite) the database file. */
	dataDir: string;
	/** DB_* settings and anything else Directus reads from its env. */
	env: Record<string, string>;
	port?: number;
	host?: string;
	/** Where Directus's own output goes; inherits the parent's stdout when absent. */
	logFile?: string;
}

export async function freePort(): Promise<number> {
	return new Promise((resolvePort, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
		});
	});
}

/** Node 22 for Directus: the project's own when installed, else whatever runs us. */
export function nodeBinary(): string {
	const local = join(ROOT, 'node_modules', '.bin', 'node');
	return existsSync(local) ? local : process.execPath;
}

/** Links the bundle into the extensions folder Directus scans, so it always loads the fresh build. */
export function linkBundle(dataDir: string): string {
	const extensionsDir = join(dataDir, 'extensions');
	mkdirSync(extensionsDir, { recursive: true });
	const link = join(extensionsDir, BUNDLE_NAME);
	if (!existsSync(join(BUNDLE_DIR, 'dist', 'api.js'))) throw new Error('The bundle is not built: run `npm run build` first');
	let current: string | null = null;
	try {
		current = readlinkSync(link);
	} catch {
		current = null;
	}
	if (current !== BUNDLE_DIR) {
		if (current !== null) throw new Error(`${link} exists and is not a link to ${BUNDLE_DIR}`);
		symlinkSync(BUNDLE_DIR, link, 'dir');
	}
	return extensionsDir;
}

export class DirectusProcess {
	readonly options: DirectusOptions;
	readonly port: number;
	readonly url: string;
	private child: ChildProcess | null = null;
	private log: WriteStream | null = null;
	private exited: Promise<number | null> = Promise.resolve(null);

	private constructor(options: DirectusOptions, port: number) {
		this.options = options;
		this.port = port;
		this.url = `http://${options.host ?? '127.0.0.1'}:${port}`;
	}

	static async create(options: DirectusOptions): Promise<DirectusProcess> {
		return new DirectusProcess(options, options.port ?? (await freePort()));
	}

	env(): NodeJS.ProcessEnv {
		const { dataDir } = this.options;
		mkdirSync(join(dataDir, 'uploads'), { recursive: true });
		return {
			PATH: `${dirname(nodeBinary())}:${process.env.PATH ?? ''}`,
			HOME: process.env.HOME,
			// Directus would otherwise read ./.env; the caller decides every setting.
			CONFIG_PATH: join(dataDir, 'directus.env'),
			HOST: this.options.host ?? '127.0.0.1',
			PORT: String(this.port),
			PUBLIC_URL: this.url,
			STORAGE_LOCATIONS: 'local',
			STORAGE_LOCAL_ROOT: join(dataDir, 'uploads'),
			EXTENSIONS_PATH: linkBundle(dataDir),
			// Directus writes the app extensions bundle it serves here; the default (node_modules/.directus)
			// is shared by every instance started from this checkout, so one would serve another's build.
			TEMP_PATH: join(dataDir, 'tmp'),
			TELEMETRY: 'false',
			LOG_STYLE: 'raw',
			...this.options.env,
		};
	}

	/** Runs a Directus CLI command (e.g. bootstrap) to completion. */
	async run(args: string[]): Promise<void> {
		const output: Buffer[] = [];
		const child = spawn(nodeBinary(), [cli(), ...args], { cwd: ROOT, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
		child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
		child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
		const code = await new Promise<number | null>((done) => child.on('exit', done));
		if (code !== 0) throw new Error(`directus ${args.join(' ')} exited with ${code}:\n${Buffer.concat(output).toString()}`);
	}

	async start(timeoutMs = 120_000): Promise<void> {
		if (this.child) throw new Error('already started');
		const { logFile } = this.options;
		const child = spawn(nodeBinary(), [cli(), 'start'], {
			cwd: ROOT,
			env: this.env(),
			stdio: logFile ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
		});
		if (logFile) {
			this.log = createWriteStream(logFile, { flags: 'a' });
			child.stdout?.pipe(this.log, { end: false });
			child.stderr?.pipe(this.log, { end: false });
		}
		this.child = child;
		this.exited = new Promise((done) => child.on('exit', (code) => done(code)));
		await this.waitForHealth(timeoutMs);
	}

	private async waitForHealth(timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		let exitCode: number | null | undefined;
		void this.exited.then((code) => (exitCode = code ?? -1));
		while (Date.now() < deadline) {
			if (exitCode !== undefined) throw new Error(`Directus exited with ${exitCode} before it was healthy${this.options.logFile ? ` (see ${this.options.logFile})` : ''}`);
			try {
				const response = await fetch(`${this.url}/server/ping`);
				if (response.ok) return;
			} catch {
				// not listening yet
			}
			await new Promise((wait) => setTimeout(wait, 250));
		}
		throw new Error(`Directus did not answer on ${this.url} within ${timeoutMs} ms`);
	}

	/** SIGTERM, then SIGKILL if it lingers. */
	async stop(graceMs = 15_000): Promise<void> {
		const child = this.child;
		if (!child) return;
		this.child = null;
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
			await this.exited;
			clearTimeout(timer);
		}
		await new Promise<void>((done) => (this.log ? this.log.end(done) : done()));
		this.log = null;
	}

	/** SIGKILL, as a crash or an OOM kill would; the instance can be started again afterwards. */
	async kill(): Promise<void> {
		this.child?.kill('SIGKILL');
		await this.stop();
	}

	get pid(): number | undefined {
		return this.child?.pid;
	}
}
