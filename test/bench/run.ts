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
import { DELIVERIES_COLLECTION } from '../../extensions/src/shared/collections.ts';
import { BENCH_ENV, COLLECTION, DB, bracketedRatios, createCollection, createWebhooks, deleteWebhooks, median, percentile, round3, row, sleep, writeItems } from './shared.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 2000);
const BATCH = 100;

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

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
// Creating and deleting 10,000 webhooks takes half a minute a round.
const ROUNDS_10K = Number(process.env.BENCH_10K_ROUNDS ?? 5);

/** Waits until the outbox has nothing left to send or record, so a round's tail does not slow the next. */
async function outboxSettled(api: ApiClient): Promise<void> {
	for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
		const response = await api.get(`/items/${DELIVERIES_COLLECTION}?aggregate[count]=id&filter[status][_in]=pending,sending`);
		if (Number(response.body.data[0].count.id ?? response.body.data[0].count) === 0) return;
	}
	throw new Error('the outbox did not settle within 60 s');
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
		let before = receiver.requests.length;
		const withFlow = await batchCreate(api);
		// Flows send after commit; give them time to finish, then report what arrived.
		await receiver.waitFor(before + ITEMS, 60_000).catch(() => undefined);
		row({ bench: 'batch-create', webhooks: 'flow', items: ITEMS, items_per_s: Math.round(withFlow), ratio: Number((withFlow / baseline).toFixed(3)), delivered: receiver.requests.length - before });
		await api.delete(`/flows/${flowId}`);

		// One matching managed webhook: the outbox write is the only cost on the write path. Rounds
		// alternate without and with it (an inactive webhook matches nothing), and each round's write
		// with it is compared with the writes without it right before and right after, so a slow
		// spell of this shared machine, or a drift, hits both sides; the median of the rounds' ratios
		// is reported.
		const [matching] = await createWebhooks(api, [{ name: 'bench', url: receiver.url('/one'), actions: ['create'], collections: [COLLECTION], status: 'inactive' }]);
		const withouts = [await batchCreate(api)];
		const rates: number[] = [];
		before = receiver.requests.length;
		for (let round = 0; round < ROUNDS; round += 1) {
			await api.patch(`/webhooks/${matching}`, { status: 'active' });
			const sent = receiver.requests.length;
			rates.push(await batchCreate(api));
			// Deliveries are sent and recorded before the next write without them, so they do not slow it down.
			await receiver.waitFor(sent + ITEMS, 60_000).catch(() => undefined);
			await outboxSettled(api);
			await api.patch(`/webhooks/${matching}`, { status: 'inactive' });
			withouts.push(await batchCreate(api));
		}
		const ratios = bracketedRatios(rates, withouts);
		row({ bench: 'batch-create', webhooks: 'one matching', items: ITEMS, rounds: ROUNDS, items_per_s: Math.round(median(rates)), ratio: round3(median(ratios)), ratios: ratios.map(round3), target: '>= 0.85', delivered: receiver.requests.length - before, baseline_items_per_s: withouts.map(Math.round) });
		await api.patch(`/webhooks/${matching}`, { status: 'active' });

		// Commit-to-receipt latency when idle: one item at a time.
		const latencies: number[] = [];
		for (let index = 0; index < 60; index++) {
			const count = receiver.requests.length;
			// The commit happens inside this request: timing from its start over-states the latency slightly.
			const started = Date.now();
			const response = await api.post(`/items/${COLLECTION}`, { title: `latency ${index}`, n: index });
			if (response.status !== 200) throw new Error('latency item failed');
			await receiver.waitFor(count + 1, 10_000);
			latencies.push(receiver.requests[count]!.at - started);
			await new Promise((wait) => setTimeout(wait, 50));
		}
		row({ bench: 'commit-to-receipt', measured_from: 'write request start', samples: latencies.length, p50_ms: Math.round(percentile(latencies, 50)), p99_ms: Math.round(percentile(latencies, 99)), target: 'p50 <= 50, p99 <= 250' });
		await deleteWebhooks(api, [matching!]);

		// 10,000 webhooks on another collection: matching must stay a lookup, not a scan. Each round
		// writes without them, creates them, writes, deletes them; a round's ratio compares its write
		// with the baselines right before and right after it (the next round's), and the median of
		// the rounds' ratios is reported, so a slow spell of the machine does not decide the row.
		const baselines = [await batchCreate(api)];
		const withMany: number[] = [];
		for (let round = 0; round < ROUNDS_10K; round++) {
			const others = await createWebhooks(
				api,
				Array.from({ length: 10_000 }, (_, index) => ({ name: `other ${index}`, url: receiver.url('/never'), actions: ['create', 'update', 'delete'], collections: ['directus_users'] })),
			);
			withMany.push(await batchCreate(api));
			await deleteWebhooks(api, others);
			baselines.push(await batchCreate(api));
		}
		const ratios10k = bracketedRatios(withMany, baselines);
		row({ bench: 'batch-create', webhooks: '10000 non-matching', items: ITEMS, rounds: ROUNDS_10K, items_per_s: Math.round(median(withMany)), ratio: round3(median(ratios10k)), ratios: ratios10k.map(round3), target: '>= 0.95', baseline_items_per_s: baselines.map(Math.round) });
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
	write: benchWrites,
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
