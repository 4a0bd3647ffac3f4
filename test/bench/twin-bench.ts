// Write-throughput ratios measured on twin instances: two identical Directus instances (fresh
// databases of the same kind) take short turns at the same batch writes, and the one not
// writing is frozen (SIGSTOP). A frozen instance runs nothing, so the background work the
// webhooks cause (sending, recording, config polls) waits for that instance's own turns and is
// charged to it: each turn first finishes the deliveries the previous one left (about one
// request's worth) and leaves as many to the next, as in a steady stream. (Only the receiver,
// in this process, may answer a frozen twin's last sends during the other's turn.) A twin's
// turns sit within a second of the other's, so a slow spell of this shared machine hits both
// sides alike. Blocks swap the roles, and the geometric mean of the blocks cancels any
// difference between the twins themselves; a first block with no webhooks on either side shows
// what is left of the method's own error in the same run.
import { existsSync } from 'node:fs';
import { ApiClient } from '../harness/client.ts';
import { Receiver } from '../harness/receiver.ts';
import { startStack, type Stack } from '../harness/stack.ts';
import { threadCpuMs } from './process-stats.ts';
import { DELIVERIES_COLLECTION } from '../../extensions/src/shared/collections.ts';
import { BENCH_ENV, COLLECTION, DB, createCollection, createWebhooks, deleteWebhooks, round3, row, sleep, writeItems } from './shared.ts';

const PAIRS = Number(process.env.BENCH_TWIN_PAIRS ?? 20);
const REQUESTS_PER_TURN = 5;
const BATCH = 100;
const ITEMS_PER_TURN = REQUESTS_PER_TURN * BATCH;

type Pair<T> = [T, T];
type CpuMs = Record<'main' | 'libuv' | 'other' | 'bench', number>;
interface Turns {
	ms: number;
	items: number;
	cpu: CpuMs | null;
}

const emptyTurns = (): Turns => ({ ms: 0, items: 0, cpu: existsSync('/proc/self/task') ? { main: 0, libuv: 0, other: 0, bench: 0 } : null });

function addCpu(turns: Turns, before: CpuMs | null, after: CpuMs | null): void {
	turns.items += ITEMS_PER_TURN;
	if (!turns.cpu || !before || !after) return;
	for (const kind of Object.keys(turns.cpu) as (keyof CpuMs)[]) turns.cpu[kind] += after[kind] - before[kind];
}

/** CPU µs per item written, by thread kind, over several blocks' turns. */
function cpuPerItem(turns: Turns[]): Record<string, number> | null {
	const items = turns.reduce((sum, turn) => sum + turn.items, 0);
	if (turns.some((turn) => !turn.cpu) || items === 0) return null;
	const kinds = Object.keys(turns[0]!.cpu!) as (keyof CpuMs)[];
	return Object.fromEntries(kinds.map((kind) => [kind, Math.round((turns.reduce((sum, turn) => sum + turn.cpu![kind], 0) * 1000) / items)]));
}

class Twins {
	readonly apis: Pair<ApiClient>;
	private readonly stacks: Pair<Stack>;
	private written = 0;

	private constructor(stacks: Pair<Stack>) {
		this.stacks = stacks;
		this.apis = stacks.map((stack) => new ApiClient(stack.info.url, stack.info.token)) as Pair<ApiClient>;
	}

	static async start(env: Record<string, string>): Promise<Twins> {
		const first = await startStack(DB, { label: 'bench-twin-a', env });
		try {
			return new Twins([first, await startStack(DB, { label: 'bench-twin-b', env })]);
		} catch (error) {
			await first.stop();
			throw error;
		}
	}

	private signal(twin: number, signal: 'SIGSTOP' | 'SIGCONT'): void {
		const pid = this.stacks[twin]!.directus.pid;
		if (pid === undefined) throw new Error(`twin ${twin} is not running`);
		process.kill(pid, signal);
	}

	/**
	 * PAIRS turns each (ABBA order, so neither twin always goes first); per twin, the ms spent
	 * writing in its turns and the CPU time used meanwhile.
	 */
	async turns(): Promise<Pair<Turns>> {
		const spent: Pair<Turns> = [emptyTurns(), emptyTurns()];
		this.signal(0, 'SIGSTOP');
		this.signal(1, 'SIGSTOP');
		try {
			for (let pair = 0; pair < PAIRS; pair++) {
				for (const twin of pair % 2 === 0 ? [0, 1] : [1, 0]) {
					this.signal(twin, 'SIGCONT');
					const before = this.cpu(twin);
					const started = performance.now();
					await writeItems(this.apis[twin]!, ITEMS_PER_TURN, BATCH, this.written);
					spent[twin]!.ms += performance.now() - started;
					this.written += ITEMS_PER_TURN;
					this.signal(twin, 'SIGSTOP');
					addCpu(spent[twin]!, before, this.cpu(twin));
				}
			}
		} finally {
			this.signal(0, 'SIGCONT');
			this.signal(1, 'SIGCONT');
		}
		return spent;
	}

	/** A twin's CPU by thread kind and this process's (the receiver and the load), in ms; null off Linux. */
	private cpu(twin: number): CpuMs | null {
		if (!existsSync('/proc/self/task')) return null;
		const usage = process.cpuUsage();
		return { ...threadCpuMs(this.stacks[twin]!.directus.pid!), bench: (usage.user + usage.system) / 1000 };
	}

	async stop(): Promise<void> {
		for (const stack of this.stacks) await stack.stop();
	}
}

/** Items/s of `subject` against its twin's, from one block of turns. */
function blockRatio(spent: Pair<Turns>, subject: number): number {
	return spent[1 - subject]!.ms / spent[subject]!.ms;
}

const geometricMean = (values: number[]) => Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);

/** Waits until a twin's outbox has nothing left to send or record. */
async function outboxSettled(api: ApiClient): Promise<void> {
	for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
		const response = await api.get(`/items/${DELIVERIES_COLLECTION}?aggregate[count]=id&filter[status][_in]=pending,sending`);
		if (Number(response.body.data[0].count.id ?? response.body.data[0].count) === 0) return;
	}
	throw new Error('the outbox did not settle within 60 s');
}

/** The one-matching, 10,000-non-matching and debounced rows, and the twins' check without webhooks. */
export async function benchTwinWrites(): Promise<void> {
	const receiver = await Receiver.start();
	const twins = await Twins.start({ ...BENCH_ENV });
	try {
		for (const api of twins.apis) {
			await createCollection(api);
			await writeItems(api, 3000, BATCH); // warm-up: JIT, connection pools, schema cache
		}
		const common = { items_per_turn: ITEMS_PER_TURN, batch: BATCH, turns_per_twin: PAIRS };

		const check = await twins.turns();
		row({ bench: 'batch-create', webhooks: 'none on either twin (method check)', ...common, ratio: round3(blockRatio(check, 0)), target: 'about 1' });

		// One matching webhook on each twin, active on one at a time.
		const hooks = await Promise.all(
			twins.apis.map(async (api) => (await createWebhooks(api, [{ name: 'bench', url: receiver.url('/one'), actions: ['create'], collections: [COLLECTION], status: 'inactive', record_while_inactive: false }]))[0]!),
		);
		const matching: number[] = [];
		const withWebhook: Turns[] = [];
		const without: Turns[] = [];
		const before = receiver.requests.length;
		for (const subject of [0, 1, 0, 1]) {
			await twins.apis[subject]!.patch(`/webhooks/${hooks[subject]}`, { status: 'active' });
			const sent = receiver.requests.length;
			const spent = await twins.turns();
			matching.push(blockRatio(spent, subject));
			withWebhook.push(spent[subject]!);
			without.push(spent[1 - subject]!);
			// Its deliveries finish before it writes as the twin without the webhook.
			await receiver.waitFor(sent + PAIRS * ITEMS_PER_TURN, 60_000).catch(() => undefined);
			await outboxSettled(twins.apis[subject]!);
			await twins.apis[subject]!.patch(`/webhooks/${hooks[subject]}`, { status: 'inactive' });
		}
		row({ bench: 'batch-create', webhooks: 'one matching', ...common, ratio: round3(geometricMean(matching)), blocks: matching.map(round3), target: '>= 0.85', delivered: receiver.requests.length - before, expected: 4 * PAIRS * ITEMS_PER_TURN,
			// Where the time goes: the bench process holds the receiver and the load generator.
			cpu_us_per_item: { with_webhook: cpuPerItem(withWebhook), without: cpuPerItem(without) } });

		// 10,000 webhooks on another collection: matching must stay a lookup, not a scan.
		const many: number[] = [];
		for (const subject of [0, 1]) {
			const api = twins.apis[subject]!;
			const others = await createWebhooks(
				api,
				Array.from({ length: 10_000 }, (_, index) => ({ name: `other ${index}`, url: receiver.url('/never'), actions: ['create', 'update', 'delete'], collections: ['directus_users'] })),
			);
			many.push(blockRatio(await twins.turns(), subject));
			await deleteWebhooks(api, others);
		}
		row({ bench: 'batch-create', webhooks: '10000 non-matching', ...common, ratio: round3(geometricMean(many)), blocks: many.map(round3), target: '>= 0.95' });

		// An inactive webhook that records what it misses (record_while_inactive): its outbox row per
		// item is written, skipped at once; nothing is read or sent.
		const recording: number[] = [];
		let recorded = 0;
		for (const subject of [0, 1]) {
			const api = twins.apis[subject]!;
			const [hook] = await createWebhooks(api, [{ name: 'recording', url: receiver.url('/recording'), actions: ['create'], collections: [COLLECTION], status: 'inactive' }]);
			recording.push(blockRatio(await twins.turns(), subject));
			recorded += Number((await api.get(`/webhooks/${hook}/deliveries?aggregate[count]=id`)).body.data?.[0]?.count?.id ?? 0);
			await deleteWebhooks(api, [hook!]);
		}
		row({ bench: 'batch-create', webhooks: 'one inactive, recording', ...common, ratio: round3(geometricMean(recording)), blocks: recording.map(round3), target: 'measured', recorded, expected: 2 * PAIRS * ITEMS_PER_TURN });

		// A build hook: one debounced webhook (2 s) on each twin, active on one at a time. Each block
		// is one import of PAIRS x 500 items; the twin's pauses (a turn of the other) stay under 2 s.
		const builds = await Promise.all(
			twins.apis.map(async (api) => (await createWebhooks(api, [{ name: 'build', url: receiver.url('/build'), actions: ['create'], collections: [COLLECTION], debounce_seconds: 2, status: 'inactive', record_while_inactive: false }]))[0]!),
		);
		const debounced: number[] = [];
		const perImport: number[] = [];
		for (const subject of [0, 1]) {
			await twins.apis[subject]!.patch(`/webhooks/${builds[subject]}`, { status: 'active' });
			const sent = receiver.requests.length;
			debounced.push(blockRatio(await twins.turns(), subject));
			// The last window goes after its quiet spell.
			await sleep(4000);
			await outboxSettled(twins.apis[subject]!);
			perImport.push(receiver.requests.length - sent);
			await twins.apis[subject]!.patch(`/webhooks/${builds[subject]}`, { status: 'inactive' });
		}
		row({ bench: 'batch-create', webhooks: 'one debounced build hook', ...common, ratio: round3(geometricMean(debounced)), blocks: debounced.map(round3), target: '>= 0.95', items_per_import: PAIRS * ITEMS_PER_TURN, deliveries_per_import: perImport });
	} finally {
		await twins.stop();
		await receiver.close();
	}
}
