// The extension's Prometheus metrics, in a registry of its own (Directus and other extensions may
// use prom-client's global one). Counters and the duration histogram count what this instance did,
// in memory, incremented where outcomes happen; the queue gauges are read from the database when
// scraped, so they are the same whichever instance answers.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Knex } from 'knex';
import { OUTGOING_COLLECTION } from '../../shared/collections';
import { toNumber } from '../db/rows';
import type { DeliveryStore, Outcome } from '../outbound/queue/delivery-store';

const PREFIX = 'directus_webhooks_';
// Receivers answer in milliseconds to seconds; WEBHOOKS_TIMEOUT is 15 s by default.
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60];

/** What became of an inbound request: `refused` and `error` carry a reason; a `handshake` is answered, not stored. */
export type InboundOutcome = 'stored' | 'duplicate' | 'refused' | 'error' | 'handshake';

/** What the dispatcher reports: every outcome it records, and every HTTP attempt it made. */
export interface DeliveryMetrics {
	outcome(outcome: Outcome): void;
	attempt(webhook: number, durationMs: number): void;
}

/** What the inbound handler reports: one outcome per request that reached an endpoint. */
export interface InboundMetrics {
	inbound(endpoint: number, outcome: InboundOutcome, reason?: string): void;
}

export class Metrics implements DeliveryMetrics, InboundMetrics {
	readonly registry = new Registry();
	private readonly knex: Knex;
	private readonly store: DeliveryStore;
	private readonly deliveries: Counter<'webhook' | 'outcome'>;
	private readonly retries: Counter<'webhook'>;
	private readonly durations: Histogram<'webhook'>;
	private readonly requests: Counter<'endpoint' | 'outcome' | 'reason'>;
	private readonly queue: Gauge<'state'>;
	private readonly oldestDue: Gauge;
	private readonly disabled: Gauge;

	constructor(knex: Knex, store: DeliveryStore) {
		this.knex = knex;
		this.store = store;
		const registers = [this.registry];
		this.deliveries = new Counter({
			name: `${PREFIX}deliveries_total`,
			help: 'Deliveries this instance finished, by webhook id and outcome (succeeded, failed, skipped)',
			labelNames: ['webhook', 'outcome'],
			registers,
		});
		this.retries = new Counter({
			name: `${PREFIX}retries_total`,
			help: 'Failed attempts this instance scheduled to be tried again, by webhook id',
			labelNames: ['webhook'],
			registers,
		});
		this.durations = new Histogram({
			name: `${PREFIX}attempt_duration_seconds`,
			help: 'Duration of the HTTP attempts this instance sent, by webhook id',
			labelNames: ['webhook'],
			buckets: DURATION_BUCKETS,
			registers,
		});
		this.requests = new Counter({
			name: `${PREFIX}inbound_requests_total`,
			help: 'Inbound requests this instance answered, by endpoint id and outcome (stored, duplicate, refused with a reason, error, handshake)',
			labelNames: ['endpoint', 'outcome', 'reason'],
			registers,
		});
		this.queue = new Gauge({
			name: `${PREFIX}queue_deliveries`,
			help: 'Unfinished deliveries in the database (all instances): pending, due (to be sent now) and sending',
			labelNames: ['state'],
			registers,
		});
		this.oldestDue = new Gauge({
			name: `${PREFIX}oldest_due_age_seconds`,
			help: 'How long the longest-waiting due delivery has been due, in the database (all instances); 0 when none is',
			registers,
		});
		this.disabled = new Gauge({
			name: `${PREFIX}disabled_webhooks`,
			help: 'Webhooks the extension disabled (410 Gone, or failing for longer than WEBHOOKS_DISABLE_AFTER) that are still inactive',
			registers,
		});
	}

	outcome(outcome: Outcome): void {
		const webhook = String(outcome.delivery.webhook);
		if (outcome.status === 'pending') this.retries.inc({ webhook });
		else this.deliveries.inc({ webhook, outcome: outcome.status });
	}

	attempt(webhook: number, durationMs: number): void {
		this.durations.observe({ webhook: String(webhook) }, durationMs / 1000);
	}

	inbound(endpoint: number, outcome: InboundOutcome, reason?: string): void {
		this.requests.inc(reason === undefined ? { endpoint: String(endpoint), outcome } : { endpoint: String(endpoint), outcome, reason });
	}

	get contentType(): string {
		return this.registry.contentType;
	}

	/** The exposition text: the database gauges read now, the counters as they stand. */
	async text(): Promise<string> {
		const [depth, disabled] = await Promise.all([
			this.store.queueDepth(),
			this.knex(OUTGOING_COLLECTION).whereNot('status', 'active').whereNotNull('disabled_reason').count({ count: '*' }).first(),
		]);
		this.queue.set({ state: 'pending' }, depth.pending);
		this.queue.set({ state: 'due' }, depth.due);
		this.queue.set({ state: 'sending' }, depth.sending);
		this.oldestDue.set(depth.oldestDueAgeMs / 1000);
		this.disabled.set(toNumber(disabled?.count) ?? 0);
		return this.registry.metrics();
	}
}
