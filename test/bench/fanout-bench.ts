// Fan-out row: one item create matched by 100 active webhooks (each with its own receiver path);
// the time from the create's response until the receiver has all 100 requests.
import { ApiClient } from '../harness/client.ts';
import { Receiver } from '../harness/receiver.ts';
import { startStack } from '../harness/stack.ts';
import { BENCH_ENV, COLLECTION, DB, createCollection, createWebhooks, median, row, sleep } from './shared.ts';

const WEBHOOKS = 100;
const ROUNDS = Number(process.env.BENCH_FANOUT_ROUNDS ?? 5);

export async function benchFanOut(): Promise<void> {
	const stack = await startStack(DB, { label: 'bench-fanout', env: BENCH_ENV });
	const receiver = await Receiver.start();
	try {
		const api = new ApiClient(stack.info.url, stack.info.token);
		await createCollection(api);
		await createWebhooks(
			api,
			Array.from({ length: WEBHOOKS }, (_, index) => ({ name: `fan-out ${index}`, url: receiver.url(`/fanout/${index}`), actions: ['create'], collections: [COLLECTION] })),
		);

		/** One create; ms from its response (and from its request) to the last of the 100 receipts. */
		const fanOut = async (n: number) => {
			const mark = receiver.requests.length;
			const sent = Date.now();
			const response = await api.post(`/items/${COLLECTION}`, { title: `fan-out ${n}`, n });
			const answered = Date.now();
			if (response.status !== 200) throw new Error(`create failed: ${response.status}`);
			await receiver.waitFor(mark + WEBHOOKS, 30_000);
			const received = receiver.requests.slice(mark, mark + WEBHOOKS);
			const last = Math.max(...received.map((request) => request.at));
			return { fromResponse: last - answered, fromRequest: last - sent, paths: new Set(received.map((request) => request.path)).size };
		};

		await fanOut(-1); // warm-up: connection pool to the receiver, JIT
		const samples = [];
		for (let round = 0; round < ROUNDS; round++) {
			await sleep(200);
			samples.push(await fanOut(round));
		}
		await sleep(1000); // a repeated delivery would arrive by now
		const extra = receiver.requests.length - (ROUNDS + 1) * WEBHOOKS;
		// Receipts can precede the response (events are emitted at commit, before the answer is
		// written): a round where all 100 arrived first counts as 0 ms from the response.
		const fromResponse = samples.map((sample) => Math.max(0, sample.fromResponse));
		row({
			bench: 'fan-out',
			db: DB,
			webhooks: WEBHOOKS,
			rounds: ROUNDS,
			median_ms: median(fromResponse),
			max_ms: Math.max(...fromResponse),
			ms: fromResponse,
			from_request_ms: samples.map((sample) => sample.fromRequest),
			target: 'all received < 1000 ms after the response',
			distinct_paths: Math.min(...samples.map((sample) => sample.paths)),
			extra_requests: extra,
		});
	} finally {
		await receiver.close();
		await stack.stop();
	}
}
