// Inbound rows of `npm run bench`: requests/s at concurrency 16 to an endpoint (no auth, and
// GitHub-style HMAC), against a Directus Flow webhook trigger that stores the same request and
// against /server/ping, all measured in this one run on one Directus. Ping and the endpoints are
// measured in alternating rounds, so a slow spell of a shared machine weighs on both sides.
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { ApiClient } from '../harness/client.ts';
import type { DatabaseKind } from '../harness/databases.ts';
import { startStack } from '../harness/stack.ts';
import { BENCH_ENV, median, percentile } from './shared.ts';

const CONCURRENCY = 16;
const SECONDS = Number(process.env.BENCH_INBOUND_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_INBOUND_ROUNDS ?? 3);
const WARMUP_SECONDS = 2;
// A provider-like event of about 300 bytes.
const BODY = JSON.stringify({
	id: 'evt_1NqXyZ2eZvKYlo2C',
	type: 'payment_intent.succeeded',
	created: 1_700_000_000,
	data: { object: { id: 'pi_3NqXyZ2eZvKYlo2C0abc', amount: 2000, currency: 'eur', status: 'succeeded', customer: 'cus_OdAbCdEfGh', metadata: { order: 'A-1001' } } },
	livemode: false,
});

interface Load {
	perSecond: number;
	latencies: number[];
	/** 2xx answers, warm-up and the tail after the window included: each one must be a stored row. */
	accepted: number;
	errors: number;
}

function send(agent: Agent, url: URL, method: string, headers: Record<string, string>, body: string | null): Promise<number> {
	return new Promise((resolve) => {
		const req = request({ agent, host: url.hostname, port: Number(url.port), path: `${url.pathname}${url.search}`, method, headers }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode ?? 0));
		});
		req.on('error', () => resolve(0));
		req.end(body ?? undefined);
	});
}

/** CONCURRENCY workers sending back to back for SECONDS after a warm-up that is not counted. */
async function load(target: string, method: string, headers: Record<string, string>, body: string | null): Promise<Load> {
	const url = new URL(target);
	const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
	const fullHeaders = body === null ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
	const latencies: number[] = [];
	let accepted = 0;
	let errors = 0;
	const started = performance.now();
	const measureFrom = started + WARMUP_SECONDS * 1000;
	const end = measureFrom + SECONDS * 1000;
	let succeeded = 0;
	// Counted: answers that arrive inside the window [measureFrom, end], whenever they were sent;
	// only 2xx answers count as throughput.
	const worker = async () => {
		while (performance.now() < end) {
			const at = performance.now();
			const status = await send(agent, url, method, fullHeaders, body);
			const done = performance.now();
			const success = status >= 200 && status < 300;
			if (success) accepted += 1;
			if (done < measureFrom || done > end) continue;
			latencies.push(done - at);
			if (success) succeeded += 1;
			else errors += 1;
		}
	};
	await Promise.all(Array.from({ length: CONCURRENCY }, worker));
	agent.destroy();
	return { perSecond: succeeded / SECONDS, latencies, accepted, errors };
}

async function count(api: ApiClient, collection: string): Promise<number> {
	const response = await api.get(`/items/${collection}?aggregate[count]=id`);
	return Number(response.body.data[0].count.id ?? response.body.data[0].count);
}

export async function benchInbound(db: DatabaseKind, row: (values: Record<string, unknown>) => void): Promise<void> {
	const stack = await startStack(db, { label: 'bench-inbound', env: BENCH_ENV });
	try {
		const api = new ApiClient(stack.info.url, stack.info.token);
		const round = (value: number) => Math.round(value * 10) / 10;

		// The Flow: webhook trigger, one operation storing the request's body and headers.
		await api.createCollection('bench_flow_requests', { body: 'json', headers: 'json' });
		const flow = await api.post('/flows', { name: 'bench: store webhook', status: 'active', trigger: 'webhook', accountability: 'all', options: { method: 'POST', async: false } });
		const operation = await api.post('/operations', {
			flow: flow.body.data.id,
			key: 'store',
			name: 'Store',
			type: 'item-create',
			position_x: 19,
			position_y: 1,
			options: { collection: 'bench_flow_requests', permissions: '$full', payload: { body: '{{$trigger.body}}', headers: '{{$trigger.headers}}' } },
		});
		await api.patch(`/flows/${flow.body.data.id}`, { operation: operation.body.data.id });
		const flowUrl = `${stack.info.url}/flows/trigger/${flow.body.data.id}`;
		const probe = await fetch(flowUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
		if (!probe.ok || (await count(api, 'bench_flow_requests')) !== 1) throw new Error(`the Flow does not store requests (${probe.status})`);

		const createEndpoint = async (values: Record<string, unknown>) => {
			const response = await api.post('/webhooks/endpoints', values);
			if (response.status !== 200) throw new Error(`creating endpoint ${String(values.suffix)}: ${response.status} ${JSON.stringify(response.body)}`);
			return response.body.data as { url: string; collection: string; secret?: string };
		};
		const open = await createEndpoint({ name: 'bench open', suffix: 'bench/open' });
		const signed = await createEndpoint({ name: 'bench hmac', suffix: 'bench/hmac', auth: 'github' });
		if (!signed.secret) throw new Error('the github endpoint returned no secret');
		const signature = `sha256=${createHmac('sha256', signed.secret).update(BODY).digest('hex')}`;
		const json = { 'content-type': 'application/json' };

		const flowBefore = await count(api, 'bench_flow_requests');
		const flowLoad = await load(flowUrl, 'POST', json, BODY);
		const flowStored = (await count(api, 'bench_flow_requests')) - flowBefore;

		const targets = [
			{ label: 'endpoint, no auth', endpoint: open, headers: json },
			{ label: 'endpoint, HMAC (github)', endpoint: signed, headers: { ...json, 'x-hub-signature-256': signature } },
		];
		const pings: Load[] = [];
		const results = targets.map(() => ({ loads: [] as Load[], ratios: [] as number[], stored: 0 }));
		for (let index = 0; index < ROUNDS; index++) {
			const ping = await load(`${stack.info.url}/server/ping`, 'GET', {}, null);
			pings.push(ping);
			for (const [position, { endpoint, headers }] of targets.entries()) {
				const before = await count(api, endpoint.collection);
				const result = await load(endpoint.url, 'POST', headers, BODY);
				results[position]!.stored += (await count(api, endpoint.collection)) - before;
				results[position]!.loads.push(result);
				results[position]!.ratios.push(result.perSecond / ping.perSecond);
			}
		}

		const summary = (loads: Load[]) => {
			const latencies = loads.flatMap((one) => one.latencies);
			return {
				concurrency: CONCURRENCY,
				rounds: ROUNDS,
				per_s: Math.round(median(loads.map((one) => one.perSecond))),
				p50_ms: round(percentile(latencies, 50)),
				p99_ms: round(percentile(latencies, 99)),
				errors: loads.reduce((sum, one) => sum + one.errors, 0),
			};
		};
		row({ bench: 'inbound', target: '/server/ping', ...summary(pings), rounds_per_s: pings.map((ping) => Math.round(ping.perSecond)) });
		row({ bench: 'inbound', target: 'flow webhook trigger (stores the request)', ...summary([flowLoad]), rounds: 1, answered_2xx: flowLoad.accepted, stored: flowStored });
		for (const [position, { label }] of targets.entries()) {
			const { loads, ratios, stored } = results[position]!;
			const rate = median(loads.map((one) => one.perSecond));
			row({
				bench: 'inbound',
				target: label,
				...summary(loads),
				answered_2xx: loads.reduce((sum, one) => sum + one.accepted, 0),
				stored,
				vs_flow: Number((rate / flowLoad.perSecond).toFixed(2)),
				// Median of the rounds' ratios: each round measures ping right before the endpoints.
				vs_ping: Number(median(ratios).toFixed(2)),
				vs_ping_rounds: ratios.map((ratio) => Number(ratio.toFixed(2))),
				target_values: 'vs_flow >= 10, vs_ping >= 0.4, p99 <= 100 ms',
			});
		}
	} finally {
		await stack.stop();
	}
}
