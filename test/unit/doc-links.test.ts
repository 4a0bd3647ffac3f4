// The documentation people read: every relative link and image in README.md, extensions/README.md and
// docs/*.md points to a file that exists, every #anchor to a heading of its target; the README stays
// short; no dated measurements creep back in; and the package page's images ship in the npm tarball.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { documentationFiles, relativeLinks } from '../support/markdown-links';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README_MAX_LINES = 300;

/** GitHub's anchor for a heading: the rendered text, lower-cased, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
	const text = heading
		.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
		.replace(/`/g, '')
		.replace(/<[^>]*>/g, (tag) => (/^<\/?[a-z][a-z0-9-]*(\s[^>]*)?>$/i.test(tag) ? '' : tag));
	return text
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
		.replace(/ /g, '-');
}

/** Every anchor a document offers: its headings' slugs (repeats numbered as GitHub does) and explicit ids. */
function anchors(markdown: string): Set<string> {
	const seen = new Map<string, number>();
	const result = new Set<string>();
	let fence = false;
	for (const line of markdown.split('\n')) {
		if (/^\s*(```|~~~)/.test(line)) fence = !fence;
		if (fence) continue;
		const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
		if (heading !== undefined) {
			const base = slug(heading);
			const count = seen.get(base) ?? 0;
			seen.set(base, count + 1);
			result.add(count === 0 ? base : `${base}-${count}`);
		}
		for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) result.add(match[1]!);
	}
	return result;
}

/** What is wrong with the links of `file` (relative to `root`): one message per broken link. */
function brokenLinks(file: string, root = ROOT): string[] {
	const source = join(root, file);
	const problems: string[] = [];
	for (const { target, line } of relativeLinks(readFileSync(source, 'utf8'))) {
		const [path = '', anchor] = target.split('#', 2) as [string, string | undefined];
		const destination = path === '' ? source : resolve(dirname(source), decodeURI(path));
		const where = `${file}:${line}: ${target}`;
		if (!existsSync(destination)) {
			problems.push(`${where}: ${relative(root, destination)} does not exist`);
			continue;
		}
		if (anchor === undefined || anchor === '') continue;
		if (statSync(destination).isDirectory() || !destination.endsWith('.md')) {
			problems.push(`${where}: an anchor needs a markdown file`);
			continue;
		}
		if (!anchors(readFileSync(destination, 'utf8')).has(decodeURIComponent(anchor))) {
			problems.push(`${where}: ${relative(root, destination)} has no heading with the anchor #${anchor}`);
		}
	}
	return problems;
}

describe('the documentation', () => {
	it('covers the README, the package page and every file in docs/', () => {
		const files = documentationFiles();
		expect(files).toEqual(expect.arrayContaining(['README.md', 'extensions/README.md', 'docs/api.md', 'docs/security.md']));
	});

	it.each(documentationFiles())('%s links only to files and headings that exist', (file) => {
		expect(brokenLinks(file)).toEqual([]);
	});

	it(`keeps README.md to at most ${README_MAX_LINES} lines`, () => {
		const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\n$/, '').split('\n').length;
		expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
	});

	it.each(documentationFiles())('%s holds no dated measurements (history lives in git)', (file) => {
		const dated = readFileSync(join(ROOT, file), 'utf8')
			.split('\n')
			.map((text, index) => ({ text, line: index + 1 }))
			.filter(({ text }) => /\b\d{4}-\d{2}-\d{2}\b/.test(text))
			.map(({ text, line }) => `${file}:${line}: ${text.trim()}`);
		expect(dated).toEqual([]);
	});

	it('ships every image the package page shows in the npm tarball', () => {
		const images = relativeLinks(readFileSync(join(ROOT, 'extensions', 'README.md'), 'utf8'))
			.map((link) => link.target.split('#')[0]!)
			.filter((target) => /\.(png|jpe?g|gif|svg|webp)$/i.test(target))
			.map((target) => relative(join(ROOT, 'extensions'), resolve(ROOT, 'extensions', target)));
		expect(images.length).toBeGreaterThan(0);
		const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: join(ROOT, 'extensions'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { files: { path: string }[] }[];
		const paths = packed[0]!.files.map((entry) => entry.path);
		expect(paths).toContain('README.md');
		for (const image of images) expect(paths).toContain(image);
	});
});

describe('the link checker', () => {
	const roots: string[] = [];
	afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));
	const fixture = (files: Record<string, string>) => {
		const root = mkdtempSync(join(tmpdir(), 'doc-links-'));
		roots.push(root);
		for (const [name, text] of Object.entries(files)) {
			mkdirSync(dirname(join(root, name)), { recursive: true });
			writeFileSync(join(root, name), text);
		}
		return root;
	};

	it('reports a link to a missing file, a missing anchor and a missing image, and nothing else', () => {
		const root = fixture({
			'README.md': [
				'# Title',
				'[ok](docs/a.md#second-part) [gone](docs/missing.md) [bad anchor](docs/a.md#nowhere)',
				'![shot](img/none.png) [self](#title) [web](https://example.com/x)',
				'`[in code](docs/missing.md)`',
				'```',
				'[in a fence](docs/missing.md)',
				'```',
			].join('\n'),
			'docs/a.md': '# A\n\n## Second part\n',
		});
		expect(brokenLinks('README.md', root)).toEqual([
			'README.md:2: docs/missing.md: docs/missing.md does not exist',
			'README.md:2: docs/a.md#nowhere: docs/a.md has no heading with the anchor #nowhere',
			'README.md:3: img/none.png: img/none.png does not exist',
		]);
	});

	it('derives anchors as GitHub does, numbering repeated headings', () => {
		expect(slug('Headers and signature ([Standard Webhooks](https://www.standardwebhooks.com/))')).toBe('headers-and-signature-standard-webhooks');
		expect(slug('`GET /webhooks/:id`')).toBe('get-webhooksid');
		expect(slug("What a delegate's webhooks send")).toBe('what-a-delegates-webhooks-send');
		expect([...anchors('# A\n## Fields\n## Fields\n')]).toEqual(['a', 'fields', 'fields-1']);
	});
});
