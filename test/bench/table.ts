// Turns the JSON lines `npm run bench` prints into the markdown tables of the docs, so the numbers
// there are always one run's, copied by a program rather than by hand:
//   npm run bench | tee bench.jsonl
//   npm run bench:table < bench.jsonl              # prints both tables
//   npm run bench:table -- --update < bench.jsonl  # writes them into docs/benchmarks.md and README.md
// Lines that are not rows (npm's banner, the build's output) are ignored. `--update` needs every
// row of a full run, so a partial run (BENCH_ONLY) cannot leave the docs half old, half new.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type BenchRow = Record<string, unknown> & { bench: string };

interface RowSpec {
	/** Names the row in messages: `bench` and the field that tells rows of one bench apart. */
	key: string;
	matches(row: BenchRow): boolean;
	measure(row: BenchRow): string;
	result(row: BenchRow): string;
	target?: string;
	met?(row: BenchRow): boolean;
}

const num = (value: unknown): number => Number(value);
/** 5216 -> "5,216"; 0.896 stays "0.896". */
const fmt = (value: unknown): string => {
	const number = num(value);
	return Number.isInteger(number) ? number.toLocaleString('en-US') : String(number);
};
const list = (value: unknown): number[] => (Array.isArray(value) ? value.map(num) : []);
const range = (values: number[]): string => (values.length === 0 ? '' : `${Math.min(...values)}–${Math.max(...values)}`);
/** Appends `text` when `value` is present in the row. */
const optional = (value: unknown, text: () => string): string => (value === undefined || value === null ? '' : text());
const delivered = (row: BenchRow, expected: unknown): string =>
	optional(row.delivered, () => (num(row.delivered) === num(expected) ? '; every delivery received' : `; ${fmt(row.delivered)} of ${fmt(expected)} received`));
const stored = (row: BenchRow): string =>
	optional(row.stored, () => (num(row.stored) === num(row.answered_2xx) ? '; every 2xx stored' : `; ${fmt(row.stored)} stored of ${fmt(row.answered_2xx)} answered 2xx`));
const blocks = (row: BenchRow): string => optional(row.blocks, () => ` (blocks ${list(row.blocks).join(', ')})`);

const write = (label: string) => (row: BenchRow) => row.bench === 'batch-create' && row.webhooks === label;
const inbound = (label: string) => (row: BenchRow) => row.bench === 'inbound' && typeof row.target === 'string' && row.target.startsWith(label);
const endpoint = (label: string): Omit<RowSpec, 'key' | 'matches'> => ({
	measure: () => `Incoming endpoint, ${label}, storing each request`,
	result: (row) => `**${fmt(row.per_s)}/s**, p99 ${fmt(row.p99_ms)} ms: ${fmt(row.vs_flow)}× the Flow, **${fmt(row.vs_ping)}** of ping${stored(row)}`,
	target: '≥ 10× the Flow, ≥ 0.4 of ping, p99 ≤ 100 ms',
	met: (row) => num(row.vs_flow) >= 10 && num(row.vs_ping) >= 0.4 && num(row.p99_ms) <= 100,
});

/** The rows of a full run, in the order of the table. */
export const ROWS: RowSpec[] = [
	{
		key: 'batch-create / none',
		matches: write('none'),
		measure: (row) => `Item writes, no webhook (baseline; ${fmt(row.batch ?? 100)} items per request)`,
		result: (row) => `${fmt(row.items_per_s)} items/s`,
	},
	{
		key: 'batch-create / flow',
		matches: write('flow'),
		measure: () => 'Item writes with a Directus Flow sending each item (Event Hook → Webhook / Request URL)',
		result: (row) => `**${fmt(row.ratio)}** of the baseline${delivered(row, row.items)}`,
	},
	{
		key: 'batch-create / none on either twin (method check)',
		matches: write('none on either twin (method check)'),
		measure: () => 'Method check: twin instances, no webhook on either',
		result: (row) => fmt(row.ratio),
		target: 'about 1',
	},
	{
		key: 'batch-create / one matching',
		matches: write('one matching'),
		measure: () => 'Item writes with one matching webhook, against the twin without',
		result: (row) => `**${fmt(row.ratio)}**${blocks(row)}${delivered(row, row.expected)}`,
		target: '≥ 0.85',
		met: (row) => num(row.ratio) >= 0.85,
	},
	{
		key: 'batch-create / 10000 non-matching',
		matches: write('10000 non-matching'),
		measure: () => 'Item writes with 10,000 webhooks on another collection',
		result: (row) => `**${fmt(row.ratio)}**${blocks(row)}`,
		target: '≥ 0.95',
		met: (row) => num(row.ratio) >= 0.95,
	},
	{
		key: 'batch-create / one inactive, recording',
		matches: write('one inactive, recording'),
		measure: () => 'Item writes with one inactive webhook recording what it misses, against the twin without',
		result: (row) => `**${fmt(row.ratio)}**${blocks(row)}`,
		target: 'measured',
	},
	{
		key: 'batch-create / one debounced build hook',
		matches: write('one debounced build hook'),
		measure: (row) => `Item writes with one debounced build hook (2 s), an import of ${fmt(row.items_per_import)} items`,
		result: (row) => `**${fmt(row.ratio)}**${blocks(row)}; ${list(row.deliveries_per_import).join(' and ')} deliveries per import`,
		target: '≥ 0.95; 1–3 deliveries per import',
		met: (row) => num(row.ratio) >= 0.95 && list(row.deliveries_per_import).every((count) => count >= 1 && count <= 3),
	},
	{
		key: 'commit-to-receipt',
		matches: (row) => row.bench === 'commit-to-receipt',
		measure: (row) => `Write request to receipt, one item at a time (${fmt(row.samples)} samples)`,
		result: (row) => `p50 **${fmt(row.p50_ms)} ms**, p99 **${fmt(row.p99_ms)} ms**, max ${fmt(row.max_ms)} ms`,
		target: 'p50 ≤ 50 ms, p99 ≤ 250 ms',
		met: (row) => num(row.p50_ms) <= 50 && num(row.p99_ms) <= 250,
	},
	{
		key: 'drain',
		matches: (row) => row.bench === 'drain' && row.instances === undefined,
		measure: (row) => `Drain of ${fmt(row.backlog)} queued deliveries, one instance`,
		result: (row) => `**${fmt(row.per_s)}/s**${optional(row.distinct_ids, () => (num(row.distinct_ids) === num(row.backlog) ? '; each delivery once' : `; ${fmt(row.distinct_ids)} distinct ids`))}`,
		target: '≥ 2,000/s',
		met: (row) => num(row.per_s) >= 2000,
	},
	{
		key: 'drain / 2 vs 1',
		matches: (row) => row.bench === 'drain' && row.instances === '2 vs 1',
		measure: (row) =>
			`Drain, two instances against one (${database(row.db ?? 'postgres')}${optional(row.cpu_per_instance, () => (typeof row.cpu_per_instance === 'number' ? `, each capped at ${row.cpu_per_instance} cores` : ''))})`,
		result: (row) =>
			`${fmt(row.one_instance_per_s)}/s and ${fmt(row.two_instances_per_s)}/s: **${fmt(row.ratio)}**${optional(row.ratios, () => ` (rounds ${range(list(row.ratios))})`)}${optional(row.exactly_once, () => (row.exactly_once === true ? '; every delivery exactly once' : '; **repeats or losses**'))}`,
		target: '≥ 1.6',
		met: (row) => num(row.ratio) >= 1.6 && row.exactly_once !== false,
	},
	{
		key: 'fan-out',
		matches: (row) => row.bench === 'fan-out',
		measure: (row) => `One item matched by ${fmt(row.webhooks)} webhooks: all received, after the write's response`,
		result: (row) => `median **${fmt(row.median_ms)} ms**, max ${fmt(row.max_ms)} ms${optional(row.extra_requests, () => `; ${fmt(row.extra_requests)} repeats`)}`,
		target: '< 1,000 ms',
		met: (row) => num(row.max_ms) < 1000 && num(row.extra_requests ?? 0) === 0,
	},
	{
		key: 'rss',
		matches: (row) => row.bench === 'rss',
		measure: (row) => `Memory (RSS) growth over ${fmt(row.deliveries)} deliveries`,
		result: (row) => `**+${fmt(row.growth_mb)} MB** after a full GC${optional(row.growth_without_gc_mb, () => ` (+${fmt(row.growth_without_gc_mb)} MB before it)`)}${optional(row.rss_peak_mb, () => `; peak ${fmt(row.rss_peak_mb)} MB`)}`,
		target: '< 50 MB',
		met: (row) => num(row.growth_mb) < 50,
	},
	{
		key: 'inbound / /server/ping',
		matches: inbound('/server/ping'),
		measure: () => "Inbound: `GET /server/ping`, this Directus's ceiling",
		result: (row) => `${fmt(row.per_s)}/s`,
	},
	{
		key: 'inbound / flow webhook trigger',
		matches: inbound('flow webhook trigger'),
		measure: () => 'Inbound: a Flow with a webhook trigger storing each request',
		result: (row) => `${fmt(row.per_s)}/s, p99 ${fmt(row.p99_ms)} ms`,
	},
	{ key: 'inbound / endpoint, no auth', matches: inbound('endpoint, no auth'), ...endpoint('no authentication') },
	{ key: 'inbound / endpoint, HMAC (github)', matches: inbound('endpoint, HMAC (github)'), ...endpoint('GitHub HMAC signature') },
];

/** The rows among `text`'s lines: JSON objects with a `bench` name. */
export function parseRows(text: string): BenchRow[] {
	const rows: BenchRow[] = [];
	for (const line of text.split('\n')) {
		if (!line.trimStart().startsWith('{')) continue;
		try {
			const value: unknown = JSON.parse(line);
			if (value && typeof value === 'object' && typeof (value as BenchRow).bench === 'string') rows.push(value as BenchRow);
		} catch {
			// Not a row: some other output that starts with a brace.
		}
	}
	return rows;
}

const DATABASES: Record<string, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL', mariadb: 'MariaDB' };
const database = (kind: unknown) => DATABASES[String(kind)] ?? String(kind);
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const find = (rows: BenchRow[], key: string) => {
	const spec = ROWS.find((candidate) => candidate.key === key)!;
	return rows.find((row) => spec.matches(row));
};

/** The table of docs/benchmarks.md: one line per row, in ROWS order; rows it does not know come last, as JSON. */
export function benchTable(rows: BenchRow[]): string {
	const lines = ['| Measure | Result | Target |', '| --- | --- | --- |'];
	for (const spec of ROWS) {
		const row = rows.find((candidate) => spec.matches(candidate));
		if (!row) continue;
		const verdict = spec.met ? (spec.met(row) ? ' (met)' : ' (**missed**)') : '';
		lines.push(`| ${cell(spec.measure(row))} | ${cell(spec.result(row))} | ${cell(spec.target ? spec.target + verdict : '')} |`);
	}
	for (const row of rows.filter((candidate) => !ROWS.some((spec) => spec.matches(candidate)))) {
		lines.push(`| ${cell(`\`${row.bench}\``)} | ${cell(`\`${JSON.stringify(row)}\``)} | |`);
	}
	const db = rows.find((row) => typeof row.db === 'string' && row.bench !== 'drain')?.db;
	const caption = db === undefined ? [] : ['', `Database: ${database(db)}, except where a row names another.`];
	return [...lines, ...caption].join('\n');
}

/** The README's headline: this extension against Directus Flows doing the same work. */
export function headlineTable(rows: BenchRow[]): string {
	const webhook = find(rows, 'batch-create / one matching');
	const flow = find(rows, 'batch-create / flow');
	const open = find(rows, 'inbound / endpoint, no auth');
	const signed = find(rows, 'inbound / endpoint, HMAC (github)');
	const trigger = find(rows, 'inbound / flow webhook trigger');
	const lines = ['| | This extension | Directus Flow |', '| --- | --- | --- |'];
	if (webhook && flow) {
		lines.push(`| Item writes while each new item is sent to a receiver, as a share of the rate without | **${fmt(webhook.ratio)}** | ${fmt(flow.ratio)} |`);
	}
	if (open && trigger) {
		const hmac = signed ? `; ${fmt(signed.per_s)}/s with a GitHub signature checked` : '';
		lines.push(`| Incoming requests stored per second | **${fmt(open.per_s)}/s**, p99 ${fmt(open.p99_ms)} ms${hmac} | ${fmt(trigger.per_s)}/s, p99 ${fmt(trigger.p99_ms)} ms |`);
	}
	return lines.join('\n');
}

/** Replaces what stands between `<!-- name -->` and `<!-- /name -->` in `document`. */
export function replaceMarked(document: string, name: string, content: string): string {
	const start = `<!-- ${name} -->`;
	const end = `<!-- /${name} -->`;
	const from = document.indexOf(start);
	const to = document.indexOf(end);
	if (from === -1 || to === -1 || to < from) throw new Error(`the document has no ${start} … ${end} section`);
	return `${document.slice(0, from + start.length)}\n${content}\n${document.slice(to)}`;
}

/** The keys of ROWS a full run has but `rows` lacks. */
export function missingRows(rows: BenchRow[]): string[] {
	return ROWS.filter((spec) => !rows.some((row) => spec.matches(row))).map((spec) => spec.key);
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BENCH_DOC = `${ROOT}docs/benchmarks.md`;
export const README = `${ROOT}README.md`;

function main(): void {
	const rows = parseRows(readFileSync(0, 'utf8'));
	if (rows.length === 0) throw new Error('no bench rows on stdin: pipe in what `npm run bench` printed');
	if (!process.argv.includes('--update')) {
		console.log(`${benchTable(rows)}\n\n${headlineTable(rows)}`);
		return;
	}
	const missing = missingRows(rows);
	if (missing.length > 0) throw new Error(`--update needs a full run; missing rows: ${missing.join('; ')}`);
	writeFileSync(BENCH_DOC, replaceMarked(readFileSync(BENCH_DOC, 'utf8'), 'bench:table', benchTable(rows)));
	writeFileSync(README, replaceMarked(readFileSync(README, 'utf8'), 'bench:headline', headlineTable(rows)));
	console.log('updated docs/benchmarks.md and README.md');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	try {
		main();
	} catch (error) {
		console.error(error instanceof Error ? error.message : error);
		process.exitCode = 1;
	}
}
