// `npm run bench`: starts its own Directus instances (SQLite unless BENCH_DB says otherwise; the
// two-instance row runs on PostgreSQL), measures each scenario in this one run and prints one JSON
// line per row. Ratios compare rows of the same run, so a busy machine skews both sides alike.
import { ApiClient } from '../harness/client.ts';
import { Receiver } from '../harness/receiver.ts';
import { startStack } from '../harness/stack.ts';
import { benchFanOut } from './fanout-bench.ts';
import { benchInbound } from './inbound-bench.ts';
import { benchRss } from './rss-bench.ts';
import { benchScaleOut } from './scale-bench.ts';
import { benchTwinWrites } from './twin-bench.ts';
import { BENCH_ENV, COLLECTION, DB, createCollection, createWebhooks, percentile, row, writeItems } from './shared.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 2000);
const BATCH = 100;
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 300);

/** Batch-creates ITEMS items, BATCH per request, one request at a time; returns items/s. */
async function batchCreate(api: ApiClient): Promise<number> {
	const started = performance.now();
	await writeItems(api, ITEMS, BATCH);
	return ITEMS / ((performance.now() - started) / 1000);
}

async function createFlow(api: ApiClient, url: string): Promise<string> {
	const flow = await api.post('/flows', {
		name: 'bench: deliver each item',
		status: 'active',
		trigger: 'event',
		accountability: 'all',
		options: { type: 'action', scope: ['items.create'], collections: [COLLECTION] },
	});
	const operation = await api.post('/operations', {
		flow: flow.body.data.id,
		key: 'deliver',
		name: 'Webhook / Request URL',
		type: 'request',
		position_x: 19,
		position_y: 1,
		options: { method: 'POST', url, body: '{{$trigger}}' },
	});
	await api.patch(`/flows/${flow.body.data.id}`, { operation: operation.body.data.id });
	return flow.body.data.id;
}

/** The write-path rows (batch-create, commit-to-receipt) on one Directus. */
async function benchWrites(): Promise<void> {
	const stack = await startStack(DB, {
		label: 'bench',
		// The Flow's request operation must reach the loopback receiver.
		env: { ...BENCH_ENV, IMPORT_IP_DENY_LIST: '169.254.169.254' },
	});
	const receiver = await Receiver.start();
	try {
		const api = new ApiClient(stack.info.url, stack.info.token);
		await createCollection(api);
		await batchCreate(api); // warm-up: JIT, connection pools, schema cache

		const baseline = await batchCreate(api);
		row({ bench: 'batch-create', db: DB, webhooks: 'none', items: ITEMS, batch: BATCH, items_per_s: Math.round(baseline), ratio: 1 });

		const flowId = await createFlow(api, receiver.url('/flow'));
		const before = receiver.requests.length;
		const withFlow = await batchCreate(api);
		// Flows send after commit; give them time to finish, then report what arrived.
		await receiver.waitFor(before + ITEMS, 60_000).catch(() => undefined);
		row({ bench: 'batch-create', webhooks: 'flow', items: ITEMS, items_per_s: Math.round(withFlow), ratio: Number((withFlow / baseline).toFixed(3)), delivered: receiver.requests.length - before });
		await api.delete(`/flows/${flowId}`);

		// Commit-to-receipt latency when idle: one item at a time, to one matching webhook. Of 60
		// samples the p99 is the slowest one; of 300, two lie above it, as a 99th percentile should
		// have some. (The write ratios with webhooks are measured on twin instances: twin-bench.ts.)
		await createWebhooks(api, [{ name: 'bench', url: receiver.url('/one'), actions: ['create'], collections: [COLLECTION] }]);
		const latencies: number[] = [];
		for (let index = 0; index < LATENCY_SAMPLES; index++) {
			const count = receiver.requests.length;
			// The commit happens inside this request: timing from its start over-states the latency slightly.
			const started = Date.now();
			const response = await api.post(`/items/${COLLECTION}`, { title: `latency ${index}`, n: index });
			if (response.status !== 200) throw new Error('latency item failed');
			await receiver.waitFor(count + 1, 10_000);
			latencies.push(receiver.requests[count]!.at - started);
			await new Promise((wait) => setTimeout(wait, 50));
		}
		row({ bench: 'commit-to-receipt', measured_from: 'write request start', samples: latencies.length, p50_ms: Math.round(percentile(latencies, 50)), p99_ms: Math.round(percentile(latencies, 99)), max_ms: Math.round(Math.max(...latencies)), target: 'p50 <= 50, p99 <= 250' });
	} finally {
		await receiver.close();
		await stack.stop();
	}
}

/**
 * Drain rate: 10,000 deliveries written while no instance dispatches, then one instance with
 * the dispatcher on sends them to a keep-alive receiver; rate from first to last receipt.
 */
async function benchDrain(): Promise<void> {
	const backlog = Number(process.env.BENCH_BACKLOG ?? 10_000);
	const drainReceiver = await Receiver.start();
	const paused = await startStack(DB, { label: 'bench-drain', env: { ...BENCH_ENV, WEBHOOKS_DISPATCHER: 'false' } });
	try {
		const api = new ApiClient(paused.info.url, paused.info.token);
		await createCollection(api);
		await createWebhooks(api, [{ name: 'drain', url: drainReceiver.url('/drain'), actions: ['create'], collections: [COLLECTION] }]);
		await writeItems(api, backlog, 500);
		await paused.directus.stop();
		const { DirectusProcess } = await import('../harness/directus.ts');
		const draining = await DirectusProcess.create({ dataDir: paused.info.dataDir, env: { ...paused.info.env, WEBHOOKS_DISPATCHER: 'true' }, logFile: `${paused.info.dataDir}/drain.log` });
		await draining.start();
		try {
			await drainReceiver.waitFor(backlog, 120_000);
			const times = drainReceiver.requests.map((request) => request.at);
			const seconds = (Math.max(...times) - Math.min(...times)) / 1000;
			row({ bench: 'drain', backlog, received: drainReceiver.requests.length, distinct_ids: new Set(drainReceiver.requests.map((request) => request.headers['webhook-id'])).size, per_s: Math.round(backlog / seconds), target: '>= 2000', keepalive_connections: drainReceiver.connections });
		} finally {
			await draining.stop();
		}
	} finally {
		await drainReceiver.close();
		await paused.stop();
	}
}

// Rows by group; BENCH_ONLY=scale,fanout (any of these names, comma-separated) runs only those.
const GROUPS: Record<string, () => Promise<void>> = {
	write: async () => {
		await benchWrites();
		await benchTwinWrites();
	},
	drain: benchDrain,
	scale: benchScaleOut,
	fanout: benchFanOut,
	rss: benchRss,
	inbound: () => benchInbound(DB, row),
};
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim()).filter(Boolean) ?? Object.keys(GROUPS);
const unknown = only.filter((name) => !(name in GROUPS));
if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown ${unknown.join(', ')} (use ${Object.keys(GROUPS).join(', ')})`);
for (const name of only) await GROUPS[name]!();
