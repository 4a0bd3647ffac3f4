// The bench's JSON lines become the docs' tables: every row of a full run has its line, verdicts
// follow the numbers, and the docs carry the markers `npm run bench:table -- --update` writes between.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BENCH_DOC, README, ROWS, benchTable, headlineTable, missingRows, parseRows, replaceMarked, type BenchRow } from '../bench/table.ts';

// Rows shaped as the bench prints them (the fields each bench file passes to `row`).
const FULL_RUN: BenchRow[] = [
	{ bench: 'batch-create', db: 'sqlite', webhooks: 'none', items: 2000, batch: 100, items_per_s: 700, ratio: 1 },
	{ bench: 'batch-create', webhooks: 'flow', items: 2000, items_per_s: 140, ratio: 0.2, delivered: 2000 },
	{ bench: 'commit-to-receipt', measured_from: 'write request start', samples: 300, p50_ms: 20, p99_ms: 40, max_ms: 150, target: 'p50 <= 50, p99 <= 250' },
	{ bench: 'batch-create', webhooks: 'none on either twin (method check)', items_per_turn: 500, batch: 100, turns_per_twin: 20, ratio: 1.01, target: 'about 1' },
	{ bench: 'batch-create', webhooks: 'one matching', ratio: 0.84, blocks: [0.8, 0.88], target: '>= 0.85', delivered: 40000, expected: 40000 },
	{ bench: 'batch-create', webhooks: '10000 non-matching', ratio: 0.99, blocks: [0.98, 1], target: '>= 0.95' },
	{ bench: 'batch-create', webhooks: 'one inactive, recording', ratio: 0.97, blocks: [0.96, 0.98], target: 'measured', recorded: 2000, expected: 2000 },
	{ bench: 'batch-create', webhooks: 'one debounced build hook', ratio: 0.98, blocks: [0.97, 0.99], target: '>= 0.95', items_per_import: 10000, deliveries_per_import: [2, 2] },
	{ bench: 'drain', backlog: 10000, received: 10000, distinct_ids: 10000, per_s: 5000, target: '>= 2000' },
	{ bench: 'drain', instances: '2 vs 1', db: 'postgres', one_instance_per_s: 3000, two_instances_per_s: 5400, ratio: 1.8, ratios: [1.7, 1.8, 2.1], target: '>= 1.6', cpu_per_instance: 0.35, exactly_once: true },
	{ bench: 'fan-out', db: 'sqlite', webhooks: 100, rounds: 5, median_ms: 25, max_ms: 30, extra_requests: 0 },
	{ bench: 'rss', db: 'sqlite', deliveries: 100000, webhooks: 4, rss_peak_mb: 600, growth_mb: 12.5, growth_without_gc_mb: 300, target: 'growth < 50' },
	{ bench: 'inbound', target: '/server/ping', concurrency: 16, rounds: 3, per_s: 4000, p50_ms: 3, p99_ms: 9 },
	{ bench: 'inbound', target: 'flow webhook trigger (stores the request)', per_s: 60, p50_ms: 200, p99_ms: 300, answered_2xx: 240, stored: 240 },
	{ bench: 'inbound', target: 'endpoint, no auth', per_s: 2300, p99_ms: 13, vs_flow: 38.33, vs_ping: 0.58, answered_2xx: 27000, stored: 27000 },
	{ bench: 'inbound', target: 'endpoint, HMAC (github)', per_s: 2200, p99_ms: 120, vs_flow: 36.67, vs_ping: 0.55, answered_2xx: 26000, stored: 25999 },
];

describe('the bench table', () => {
	it('reads the rows among npm banners and build output, skipping lines that are not rows', () => {
		const output = ['> directus-webhooks-workspace@ bench', '✔ Done', '{ not json', '{"no":"bench name"}', ...FULL_RUN.map((row) => JSON.stringify(row))].join('\n');
		expect(parseRows(output)).toEqual(FULL_RUN);
	});

	it('has one line per row of a full run, in the order of the row list', () => {
		const lines = benchTable(FULL_RUN).split('\n');
		expect(lines.slice(0, 2)).toEqual(['| Measure | Result | Target |', '| --- | --- | --- |']);
		expect(lines.filter((line) => line.startsWith('| ')).length).toBe(2 + ROWS.length);
		expect(missingRows(FULL_RUN)).toEqual([]);
		expect(lines.at(-1)).toBe('Database: SQLite, except where a row names another.');
	});

	it('marks each target met or missed from the numbers', () => {
		const table = benchTable(FULL_RUN);
		expect(table).toContain('| Item writes with one matching webhook, against the twin without | **0.84** (blocks 0.8, 0.88); every delivery received | ≥ 0.85 (**missed**) |');
		expect(table).toContain('| Drain of 10,000 queued deliveries, one instance | **5,000/s**; each delivery once | ≥ 2,000/s (met) |');
		expect(table).toContain('2,200/s**, p99 120 ms: 36.67× the Flow, **0.55** of ping; 25,999 stored of 26,000 answered 2xx | ≥ 10× the Flow, ≥ 0.4 of ping, p99 ≤ 100 ms (**missed**) |');
		expect(table).toContain('| Drain, two instances against one (PostgreSQL, each capped at 0.35 cores) | 3,000/s and 5,400/s: **1.8** (rounds 1.7–2.1); every delivery exactly once | ≥ 1.6 (met) |');
	});

	it('keeps a row it does not know, as JSON, rather than dropping it', () => {
		const extra = { bench: 'new-thing', per_s: 1 };
		expect(benchTable([...FULL_RUN, extra]).split('\n')).toContain('| `new-thing` | `{"bench":"new-thing","per_s":1}` | |');
	});

	it('names the rows a partial run lacks', () => {
		const inboundOnly = FULL_RUN.filter((row) => row.bench === 'inbound');
		expect(missingRows(inboundOnly)).toEqual(ROWS.map((spec) => spec.key).filter((key) => !key.startsWith('inbound')));
	});

	it('puts the webhook and the Flow side by side for the README', () => {
		expect(headlineTable(FULL_RUN).split('\n')).toEqual([
			'| | This extension | Directus Flow |',
			'| --- | --- | --- |',
			'| Item writes while each new item is sent to a receiver, as a share of the rate without | **0.84** | 0.2 |',
			'| Incoming requests stored per second | **2,300/s**, p99 13 ms; 2,200/s with a GitHub signature checked | 60/s, p99 300 ms |',
		]);
	});

	it('replaces only what stands between the markers, and refuses a document without them', () => {
		const document = 'before\n<!-- bench:table -->\nold\n<!-- /bench:table -->\nafter\n';
		expect(replaceMarked(document, 'bench:table', 'new')).toBe('before\n<!-- bench:table -->\nnew\n<!-- /bench:table -->\nafter\n');
		expect(() => replaceMarked('no markers', 'bench:table', 'new')).toThrow('no <!-- bench:table --> … <!-- /bench:table --> section');
	});

	it('finds its markers in docs/benchmarks.md and README.md', () => {
		expect(() => replaceMarked(readFileSync(BENCH_DOC, 'utf8'), 'bench:table', '')).not.toThrow();
		expect(() => replaceMarked(readFileSync(README, 'utf8'), 'bench:headline', '')).not.toThrow();
	});
});
