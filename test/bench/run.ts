// `npm run bench`: starts its own Directus (SQLite), measures each scenario in this one run and
// prints one JSON line per row. Ratios compare rows of the same run, so a busy machine skews
// both sides alike.
import { ApiClient } from '../harness/client.ts';
import { Receiver } from '../harness/receiver.ts';
import { startStack } from '../harness/stack.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 2000);
const BATCH = 100;
const COLLECTION = 'bench_items';

function row(values: Record<string, unknown>): void {
	console.log(JSON.stringify(values));
}

async function createCollection(api: ApiClient): Promise<void> {
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

/** Batch-creates ITEMS items, BATCH per request, one request at a time; returns items/s. */
async function batchCreate(api: ApiClient): Promise<number> {
	const started = performance.now();
	for (let offset = 0; offset < ITEMS; offset += BATCH) {
		const items = Array.from({ length: BATCH }, (_, index) => ({ title: `item ${offset + index}`, n: offset + index }));
		const response = await api.post(`/items/${COLLECTION}`, items);
		if (response.status !== 200) throw new Error(`batch create failed: ${response.status} ${JSON.stringify(response.body)}`);
	}
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

const stack = await startStack('sqlite', {
	label: 'bench',
	// The Flow's request operation must reach the loopback receiver.
	env: { LOG_LEVEL: 'warn', IMPORT_IP_DENY_LIST: '169.254.169.254' },
});
const receiver = await Receiver.start();
try {
	const api = new ApiClient(stack.info.url, stack.info.token);
	await createCollection(api);
	await batchCreate(api); // warm-up: JIT, connection pools, schema cache

	const baseline = await batchCreate(api);
	row({ bench: 'batch-create', webhooks: 'none', items: ITEMS, batch: BATCH, items_per_s: Math.round(baseline), ratio: 1 });

	const flowId = await createFlow(api, receiver.url('/flow'));
	const before = receiver.requests.length;
	const withFlow = await batchCreate(api);
	// Flows send after commit; give them time to finish, then report what arrived.
	await receiver.waitFor(before + ITEMS, 60_000).catch(() => undefined);
	const delivered = receiver.requests.length - before;
	row({
		bench: 'batch-create',
		webhooks: 'flow',
		items: ITEMS,
		items_per_s: Math.round(withFlow),
		ratio: Number((withFlow / baseline).toFixed(3)),
		delivered,
	});
	await api.delete(`/flows/${flowId}`);
} finally {
	await receiver.close();
	await stack.stop();
}
