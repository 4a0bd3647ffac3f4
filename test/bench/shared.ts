// What the benchmark rows share: the output format, the bench collection, webhooks, statistics.
import type { ApiClient } from '../harness/client.ts';
import { parseDatabaseKind } from '../harness/databases.ts';

// SQLite by default, like `npm start`; BENCH_DB=postgres|mariadb measures on those servers.
export const DB = parseDatabaseKind(process.env.BENCH_DB);
export const COLLECTION = 'bench_items';
// Server settings every bench instance runs with: the pressure limiter would turn a saturated
// loop into 503s instead of a rate.
// BENCH_DIRECTUS_ENV (a JSON object) adds settings, e.g. '{"WEBHOOKS_CONCURRENCY_PER_WEBHOOK":"32"}';
// BENCH_NODE_OPTIONS becomes NODE_OPTIONS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile
// (a frozen twin's stopped time lands in a few huge samples: drop those over ~20 ms when reading).
export const BENCH_ENV: Record<string, string> = {
	LOG_LEVEL: 'warn',
	PRESSURE_LIMITER_ENABLED: 'false',
	...(JSON.parse(process.env.BENCH_DIRECTUS_ENV ?? '{}') as Record<string, string>),
	...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
};

/** One row of output: a JSON line. */
export function row(values: Record<string, unknown>): void {
	console.log(JSON.stringify(values));
}

export const sleep = (ms: number) => new Promise((wait) => setTimeout(wait, ms));

export async function createCollection(api: ApiClient): Promise<void> {
	const response = await api.post('/collections', {
		collection: COLLECTION,
		schema: {},
		meta: { icon: 'speed' },
		fields: [
			{ field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: true }, meta: { hidden: true } },
			{ field: 'title', type: 'string', schema: {}, meta: {} },
			{ field: 'n', type: 'integer', schema: {}, meta: {} },
		],
	});
	if (response.status !== 200) throw new Error(`creating ${COLLECTION} failed: ${JSON.stringify(response.body)}`);
}

/** Creates `count` items, `batch` per request, one request at a time; `n` numbers them from `from`. */
export async function writeItems(api: ApiClient, count: number, batch: number, from = 0): Promise<void> {
	for (let offset = 0; offset < count; offset += batch) {
		const items = Array.from({ length: Math.min(batch, count - offset) }, (_, index) => ({ title: `item ${from + offset + index}`, n: from + offset + index }));
		const response = await api.post(`/items/${COLLECTION}`, items);
		if (response.status !== 200) throw new Error(`batch create failed: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
	}
}

export async function createWebhooks(api: ApiClient, hooks: Record<string, unknown>[]): Promise<number[]> {
	const ids: number[] = [];
	for (let index = 0; index < hooks.length; index += 500) {
		const response = await api.post('/webhooks', hooks.slice(index, index + 500));
		if (response.status !== 200) throw new Error(`creating webhooks failed: ${JSON.stringify(response.body).slice(0, 300)}`);
		ids.push(...response.body.data.map((hook: { id: number }) => hook.id));
	}
	return ids;
}

export async function deleteWebhooks(api: ApiClient, ids: number[]): Promise<void> {
	for (let index = 0; index < ids.length; index += 1000) await api.delete('/webhooks', ids.slice(index, index + 1000));
}

export const round3 = (value: number) => Number(value.toFixed(3));

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
