// Directus needs Node 22, but this machine's npm may build native addons against other
// headers (an npmrc `nodedir`). After install, load each addon Directus needs under the
// project's Node 22 and rebuild the ones that fail against that Node's own headers.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const ADDONS = ['isolated-vm', 'sqlite3', 'argon2'];
const require = createRequire(join(process.cwd(), 'package.json'));

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
	console.log(`[rebuild-native] running on Node ${process.versions.node}; Node 22 is not installed yet, skipping`);
	process.exit(0);
}

// node_modules/.bin/node links to the node-<os>-<arch> package, whose headers sit beside it.
const nodeDir = dirname(dirname(realpathSync(process.execPath)));
if (!existsSync(join(nodeDir, 'include', 'node', 'node.h'))) {
	console.log(`[rebuild-native] no headers under ${nodeDir}; using npm defaults`);
}

function loads(name: string): boolean {
	let path: string;
	try {
		path = require.resolve(name);
	} catch {
		return true; // not installed: nothing to rebuild
	}
	const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path)})`], { encoding: 'utf8' });
	return probe.status === 0;
}

const broken = ADDONS.filter((name) => !loads(name));
if (broken.length === 0) {
	console.log('[rebuild-native] native addons load under Node', process.versions.node);
	process.exit(0);
}

console.log(`[rebuild-native] rebuilding ${broken.join(', ')} for Node ${process.versions.node} (${nodeDir})`);
execFileSync('npm', ['rebuild', ...broken, `--nodedir=${nodeDir}`], {
	stdio: 'inherit',
	env: { ...process.env, npm_config_nodedir: nodeDir },
});

const still = broken.filter((name) => !loads(name));
if (still.length > 0) {
	console.error(`[rebuild-native] still failing to load: ${still.join(', ')}`);
	process.exit(1);
}
