// `npm run screenshots`: runs the browser tests on the pinned Directus (they write their
// screenshots to test/.artifacts/screenshots, never into the tree), then copies the ones the docs
// show (README.md, docs/, the package page extensions/README.md) to where those docs point:
// test/screenshots/ and extensions/media/. Images the docs do not use are never copied.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { documentationFiles, relativeLinks } from '../support/markdown-links.ts';
import { SCREENSHOTS_DIR } from './browser.ts';
import { ROOT } from './directus.ts';

const BROWSER_TESTS = ['test/e2e/app.test.ts', 'test/e2e/app-newcomer.test.ts'];
// Where the docs keep the screenshots the browser tests make.
const SCREENSHOT_FOLDERS = [join(ROOT, 'test', 'screenshots'), join(ROOT, 'extensions', 'media')];

/** The files in a screenshot folder that the docs show. */
function usedScreenshots(): Set<string> {
	const used = new Set<string>();
	for (const file of documentationFiles(ROOT)) {
		for (const { target } of relativeLinks(readFileSync(join(ROOT, file), 'utf8'))) {
			const path = resolve(dirname(join(ROOT, file)), decodeURI(target.split('#')[0]!));
			if (SCREENSHOT_FOLDERS.includes(dirname(path))) used.add(path);
		}
	}
	return used;
}

const used = usedScreenshots();
rmSync(SCREENSHOTS_DIR, { recursive: true, force: true });
// The docs show the pinned Directus.
const env = { ...process.env };
delete env.TEST_DIRECTUS_VERSION;
const run = spawnSync('vitest', ['run', '--config', 'test/vitest.config.ts', ...BROWSER_TESTS], { cwd: ROOT, env, stdio: 'inherit' });
if (run.status !== 0) {
	console.error(`[screenshots] the browser tests failed (${run.error?.message ?? `exit ${run.status}`}): nothing copied`);
	process.exit(1);
}

const missing = [...used].filter((path) => !existsSync(join(SCREENSHOTS_DIR, basename(path))));
if (missing.length > 0) {
	console.error(`[screenshots] the docs show images the browser tests did not make (is Chromium installed?): ${missing.map((path) => relative(ROOT, path)).join(', ')}`);
	process.exit(1);
}
for (const path of used) {
	copyFileSync(join(SCREENSHOTS_DIR, basename(path)), path);
	console.log(`[screenshots] ${relative(ROOT, path)}`);
}
const unused = readdirSync(join(ROOT, 'test', 'screenshots')).filter((name) => !used.has(join(ROOT, 'test', 'screenshots', name)));
if (unused.length > 0) console.log(`[screenshots] in test/screenshots but shown by no doc (left as they are): ${unused.join(', ')}`);
