// Installs another Directus version beside the pinned one, for the compatibility run:
// `npm run install:directus11`, then `TEST_DIRECTUS_VERSION=11.17.4 npm test`. Idempotent.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { directusDir } from './directus.ts';

const version = process.argv[2];
if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
	console.error('usage: node test/harness/install-directus.ts <version>, e.g. 11.17.4');
	process.exit(2);
}
const home = directusDir(version);
const root = join(home, '..', '..');
if (existsSync(join(home, 'cli.js'))) {
	console.log(`[install-directus] Directus ${version} is installed in ${root}`);
	process.exit(0);
}
mkdirSync(root, { recursive: true });
// The same native builds the project itself allows (see the root package.json).
const allowScripts = { argon2: true, 'isolated-vm': true, esbuild: true, sqlite3: true };
writeFileSync(join(root, 'package.json'), `${JSON.stringify({ name: `directus-${version}`, private: true, dependencies: { directus: version }, allowScripts }, null, 2)}\n`);
console.log(`[install-directus] installing Directus ${version} into ${root}`);
execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
// Native addons were built by npm's Node; Directus runs on the project's Node 22.
execFileSync(process.execPath, [join(import.meta.dirname, 'rebuild-native.ts')], { cwd: root, stdio: 'inherit' });
