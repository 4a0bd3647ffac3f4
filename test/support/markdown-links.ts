// The documentation's markdown files and the relative links and images in their prose (code
// blocks and spans left out): for the link test and for `npm run screenshots`.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The documentation: README.md, the package page and docs/*.md, relative to the root. */
export function documentationFiles(root = ROOT): string[] {
	const docs = existsSync(join(root, 'docs')) ? readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`) : [];
	return ['README.md', 'extensions/README.md', ...docs.sort()];
}

/** The text outside fenced code blocks and inline code spans, line numbers kept. */
function prose(markdown: string): string[] {
	let fence: string | null = null;
	return markdown.split('\n').map((line) => {
		const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
		if (marker && (fence === null || marker.startsWith(fence))) {
			fence = fence === null ? marker : null;
			return '';
		}
		return fence === null ? line.replace(/(`+)[^`]*?\1/g, '') : '';
	});
}

export interface Link {
	target: string;
	line: number;
}

/** Markdown links and images, and HTML href/src, that are not absolute URLs. */
export function relativeLinks(markdown: string): Link[] {
	const links: Link[] = [];
	prose(markdown).forEach((text, index) => {
		const found = [
			...[...text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!),
			...[...text.matchAll(/\b(?:href|src)="([^"]*)"/g)].map((match) => match[1]!),
		];
		for (const target of found) {
			// Absolute URLs (https:, mailto:, …) are not checked here: the network is not the docs' business.
			if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
			links.push({ target, line: index + 1 });
		}
	});
	return links;
}
