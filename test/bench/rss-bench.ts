// Memory row: the Directus process's resident set (VmRSS) after a warm-up and again after
// BENCH_RSS_DELIVERIES (100,000) more deliveries; the growth must stay small.
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../harness/client.ts';
import { Receiver } from '../harness/receiver.ts';
import { startStack } from '../harness/stack.ts';
import { rssKb } from './process-stats.ts';
import { BENCH_ENV, COLLECTION, DB, createCollection, createWebhooks, row, sleep, writeItems } from './shared.ts';

// Each item goes to WEBHOOKS webhooks: creating items through Directus (activity, revisions) is
// slower than delivering them, so one delivery per item would measure the write path's pace.
const WEBHOOKS = 4;
const DELIVERIES = Math.ceil(Number(process.env.BENCH_RSS_DELIVERIES ?? 100_000) / WEBHOOKS) * WEBHOOKS;
const WARMUP = 5_000;
const BATCH = 500;
// The writer stays at most this many deliveries ahead of the receiver, so the run measures a
// steady flow rather than a backlog piling up in the outbox table.
const MAX_AHEAD = 5_000;
const IDLE_SAMPLES = 10;

const mb = (kb: number) => Math.round(kb / 102.4) / 10;

const GC_PRELOAD = fileURLToPath(new URL('./gc-on-signal.cjs', import.meta.url));

/**
 * RSS of an idle process, twice: as it is, and after full GCs (SIGUSR2, see gc-on-signal.cjs).
 * V8 grows its heap lazily under load and gives it back only after major GCs, so the first
 * reading counts uncollected garbage; the second is what a leak would show in. Both are kept as
 * the minimum of IDLE_SAMPLES readings a second apart.
 */
async function idleRss(pid: number): Promise<{ asIs: number; afterGc: number }> {
	const sample = async () => {
		const samples: number[] = [];
		for (let index = 0; index < IDLE_SAMPLES; index++) {
			await sleep(1000);
			samples.push(rssKb(pid));
		}
		return Math.min(...samples);
	};
	const asIs = await sample();
	process.kill(pid, 'SIGUSR2');
	return { asIs, afterGc: await sample() };
}

export async function benchRss(): Promise<void> {
	const stack = await startStack(DB, { label: 'bench-rss', env: { ...BENCH_ENV, NODE_OPTIONS: `--require ${GC_PRELOAD}` } });
	const receiver = await Receiver.start();
	try {
		const pid = stack.directus.pid;
		if (pid === undefined) throw new Error('Directus is not running');
		const api = new ApiClient(stack.info.url, stack.info.token);
		await createCollection(api);
		await createWebhooks(
			api,
			Array.from({ length: WEBHOOKS }, (_, index) => ({ name: `rss ${index}`, url: receiver.url(`/rss/${index}`), actions: ['create'], collections: [COLLECTION] })),
		);
		const atStart = rssKb(pid);

		await writeItems(api, WARMUP / WEBHOOKS, BATCH);
		await receiver.waitFor(WARMUP, 120_000);
		const afterWarmup = await idleRss(pid);

		let peak = 0;
		const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 1000);
		const started = performance.now();
		try {
			// Counted in deliveries; each item written makes WEBHOOKS of them.
			for (let written = 0; written < DELIVERIES; written += BATCH * WEBHOOKS) {
				await receiver.waitFor(WARMUP + written - MAX_AHEAD, 120_000);
				await writeItems(api, Math.min(BATCH * WEBHOOKS, DELIVERIES - written) / WEBHOOKS, BATCH, (WARMUP + written) / WEBHOOKS);
			}
			await receiver.waitFor(WARMUP + DELIVERIES, 300_000);
		} finally {
			clearInterval(sampler);
		}
		const seconds = (performance.now() - started) / 1000;
		const atEnd = await idleRss(pid);
		const received = receiver.requests.slice(WARMUP);
		row({
			bench: 'rss',
			db: DB,
			deliveries: DELIVERIES,
			webhooks: WEBHOOKS,
			warmup: WARMUP,
			per_s: Math.round(DELIVERIES / seconds),
			rss_start_mb: mb(atStart),
			rss_after_warmup_mb: mb(afterWarmup.afterGc),
			rss_end_mb: mb(atEnd.afterGc),
			rss_peak_mb: mb(peak),
			// After full GCs at both ends: what stays. Without them, lazily collected garbage counts too.
			growth_mb: mb(atEnd.afterGc - afterWarmup.afterGc),
			growth_without_gc_mb: mb(atEnd.asIs - afterWarmup.asIs),
			target: 'growth < 50',
			received: received.length,
			distinct_ids: new Set(received.map((request) => request.headers['webhook-id'])).size,
		});
	} finally {
		await receiver.close();
		await stack.stop();
	}
}
