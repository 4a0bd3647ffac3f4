// The delivery worker: claims due deliveries from the outbox, sends them with bounded global and
// per-webhook concurrency, and records each outcome (batched) with its retry decision. Several
// instances can run one each on the same database: claims are row leases (see delivery-store).
import { randomBytes } from 'node:crypto';
import { BatchWriter } from '../queue/batch-writer';
import { hostname } from 'node:os';
import type { ClaimedDelivery, DeliveryStore, Outcome } from '../queue/delivery-store';
import { HoldLimits } from './hold-limits';
import type { Sender, SendResult } from '../transport/http-sender';
import { SkipDelivery, type MessageBuilder } from './message-builder';
import { parseRetryAfter, retryDelay } from './retry-schedule';
import type { Throttle } from './throttle';
import { SSRF_ERROR_CODE } from '../transport/ssrf-guard';
import type { Logger } from '../../lib/logger';
import type { DeliveryMetrics } from '../../metrics/metrics';
import type { RegisteredWebhook, WebhookRegistry } from '../config/webhook-registry';

export interface DispatcherOptions {
	concurrency: number;
	perWebhook: number;
	timeoutMs: number;
	pollMs: number;
	schedule: number[];
	maxResponseBytes: number;
}

/** A failed attempt: `final` when it was the delivery's last (no retry follows). */
export interface Failure {
	at: number;
	error: string;
	delivery: number;
	final: boolean;
}

/** What the dispatcher tells the rest of the extension about a webhook's health. */
export interface WebhookHealth {
	/** The receiver answered 410 Gone, or failed for longer than allowed. */
	disable(webhook: RegisteredWebhook, reason: string): Promise<void>;
	failed(webhook: RegisteredWebhook, failure: Failure): Promise<void>;
	succeeded(webhook: RegisteredWebhook): Promise<void>;
}

// Outcomes are written in batches: one transaction per flush instead of two writes per send (on
// SQLite each commit waits for the disk while item writes wait for the one connection).
const RECORD_BATCH = 500;
const RECORD_DELAY_MS = 200;
// How many budgets of outcomes may wait unrecorded before claims slow down (see budget).
const UNRECORDED_BUDGETS = 4;
// Every webhook may hold twice its concurrency (in flight + waiting) so its pipeline stays full;
// a fast one up to this much of its work (see hold-limits).
const HOLD_FACTOR = 2;
const HOLD_WINDOW_MS = 100;
const RESPONSE_LOG_BYTES = 16 * 1024;

/** A claimed delivery this instance holds; a rate-limited webhook's waits for its slot (epoch ms). */
type HeldDelivery = ClaimedDelivery & { sendAt?: number };

export class Dispatcher {
	readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
	private readonly store: DeliveryStore;
	private readonly registry: WebhookRegistry;
	private readonly builder: MessageBuilder;
	private readonly sender: Sender;
	private readonly health: WebhookHealth;
	private readonly options: DispatcherOptions;
	private readonly logger: Pick<Logger, 'warn' | 'error'>;
	private readonly metrics: DeliveryMetrics | undefined;
	private readonly throttle: Throttle | null;

	private readonly waiting = new Map<number, HeldDelivery[]>();
	private readonly inFlight = new Map<number, number>();
	private held = 0;
	private running = 0;
	private readonly outcomes: BatchWriter<Outcome>;
	private readonly holds: HoldLimits;
	private pollTimer: NodeJS.Timeout | null = null;
	/** Claims again when a rate-limited webhook's next slots come within reach. */
	private readonly claimLater = new Timer(() => this.wake());
	/** Sends the next held delivery whose slot has come. */
	private readonly pumpLater = new Timer(() => this.pump());
	/** An ordered delivery settled: once recorded, the next of its item may be claimed. */
	private orderedSettled = false;
	private claiming = false;
	private again = false;
	/** The last claim filled its batch, so more may be due: claim again as capacity frees. */
	private moreDue = false;
	private stopped = true;
	private idle: (() => void)[] = [];

	constructor(parts: {
		store: DeliveryStore;
		registry: WebhookRegistry;
		builder: MessageBuilder;
		sender: Sender;
		health: WebhookHealth;
		options: DispatcherOptions;
		logger: Pick<Logger, 'warn' | 'error'>;
		metrics?: DeliveryMetrics;
		/** Rate limits; without it rate-limited webhooks are claimed like the rest. */
		throttle?: Throttle;
	}) {
		this.store = parts.store;
		this.registry = parts.registry;
		this.builder = parts.builder;
		this.sender = parts.sender;
		this.health = parts.health;
		this.options = parts.options;
		this.logger = parts.logger;
		this.metrics = parts.metrics;
		this.throttle = parts.throttle ?? null;
		this.holds = new HoldLimits({ perWebhook: parts.options.perWebhook, minFactor: HOLD_FACTOR, windowMs: HOLD_WINDOW_MS });
		this.outcomes = new BatchWriter({
			maxBatch: RECORD_BATCH,
			delayMs: RECORD_DELAY_MS,
			write: (batch) => this.store.record(this.owner, batch),
			// The leases expire and the deliveries are retried: at least once, never lost.
			onError: (error, batch) => this.logger.error(error, `[webhooks] could not record ${batch.length} delivery outcomes`),
			// Claims held back by unrecorded outcomes resume as soon as the database catches up.
			afterWrite: () => {
				if (this.moreDue || this.orderedSettled) this.wake();
				// Outcomes still buffered may be ordered ones too: wake after their write as well.
				if (this.outcomes.backlog === 0) this.orderedSettled = false;
			},
		});
	}

	/**
	 * How many deliveries this instance may hold (in flight or waiting). Outcomes not yet recorded
	 * count too once they exceed four budgets (they wait up to RECORD_DELAY_MS to share a batch):
	 * while the database lags, their rows stay leased, and a crash would send them again, so
	 * claiming slows to the pace of recording.
	 */
	private get budget(): number {
		const budget = this.options.concurrency * HOLD_FACTOR;
		return budget - Math.max(0, this.outcomes.backlog - budget * UNRECORDED_BUDGETS);
	}

	/**
	 * A lease outlives the usual longest wait: a slow webhook's full queue of timeouts ahead of a
	 * delivery, plus margin. (A fast webhook's longer queue is checked when sent: see pump.)
	 */
	private get leaseMs(): number {
		return this.options.timeoutMs * (HOLD_FACTOR + 1) + 30_000;
	}

	start(): void {
		if (!this.stopped) return;
		this.stopped = false;
		this.pollTimer = setInterval(() => this.wake(), this.options.pollMs);
		this.pollTimer.unref();
		this.wake();
	}

	/** Stops claiming, gives waiting deliveries back, and waits for sends in flight. */
	async stop(): Promise<void> {
		this.stopped = true;
		if (this.pollTimer) clearInterval(this.pollTimer);
		this.pollTimer = null;
		this.claimLater.clear();
		this.pumpLater.clear();
		const waiting = [...this.waiting.values()].flat();
		this.waiting.clear();
		this.held -= waiting.length;
		await this.store.release(this.owner, waiting.map((delivery) => delivery.id));
		if (this.running > 0) await new Promise<void>((done) => this.idle.push(done));
		await this.flushOutcomes();
	}

	/** Claim now (new outbox rows, a resend, or capacity freed). */
	wake(): void {
		if (this.stopped) return;
		if (this.claiming) {
			this.again = true;
			return;
		}
		this.claiming = true;
		void this.claim()
			.catch((error) => this.logger.warn(error, '[webhooks] claiming deliveries failed'))
			.finally(() => {
				this.claiming = false;
				if (this.again && !this.stopped) {
					this.again = false;
					this.wake();
				}
			});
	}

	private async claim(): Promise<void> {
		const capacity = this.budget - this.held;
		if (capacity <= 0) {
			this.moreDue = true;
			return;
		}
		const saturated = [...this.heldPerWebhook()].filter(([webhook, count]) => count >= this.holdLimit(webhook)).map(([id]) => id);
		const limited = this.throttle ? this.registry.limited() : [];
		// Rate-limited webhooks are claimed apart, up to their slots (claimLimited).
		const exclude = limited.length > 0 ? [...saturated, ...limited.map((webhook) => webhook.id)] : saturated;
		const ordered = this.registry.hasOrdered();
		const claimed = await this.store.claim(this.owner, capacity, Date.now() + this.leaseMs, exclude, Date.now(), { ordered });
		const giveBack: number[] = [];
		const held = this.heldPerWebhook();
		for (const delivery of claimed) {
			const count = held.get(delivery.webhook) ?? 0;
			if (count >= this.holdLimit(delivery.webhook)) {
				giveBack.push(delivery.id);
				continue;
			}
			held.set(delivery.webhook, count + 1);
			this.hold(delivery);
		}
		await this.store.release(this.owner, giveBack);
		this.moreDue = claimed.length >= capacity && giveBack.length < claimed.length;
		if (limited.length > 0) await this.claimLimited(limited, held);
		this.pump();
	}

	/**
	 * Claims for each rate-limited webhook as many deliveries as its next slots allow (throttle),
	 * then reserves those slots in the shared bucket; each delivery waits for its slot in pump.
	 */
	private async claimLimited(limited: readonly RegisteredWebhook[], held: Map<number, number>): Promise<void> {
		for (const webhook of limited) {
			const capacity = this.budget - this.held;
			if (capacity <= 0) return;
			const room = this.throttle!.room(webhook, Date.now());
			if (room.retryAt !== null) {
				this.claimLater.at(room.retryAt);
				continue;
			}
			const want = Math.min(room.count, capacity, this.holdLimit(webhook.id) - (held.get(webhook.id) ?? 0));
			if (want <= 0) continue;
			const claimed = await this.store.claim(this.owner, want, Date.now() + this.leaseMs, [], Date.now(), { onlyWebhook: webhook.id, ordered: webhook.ordered });
			if (claimed.length === 0) continue;
			let sendAt: number[];
			try {
				sendAt = await this.throttle!.reserve(webhook, claimed.length, Date.now());
			} catch (error) {
				await this.store.release(this.owner, claimed.map((delivery) => delivery.id));
				throw error;
			}
			claimed.forEach((delivery, index) => this.hold({ ...delivery, sendAt: sendAt[index] }));
			held.set(webhook.id, (held.get(webhook.id) ?? 0) + claimed.length);
			// More may be waiting: look again when the next slots come within reach.
			if (claimed.length === want) {
				const next = this.throttle!.room(webhook, Date.now());
				this.claimLater.at(next.retryAt ?? Date.now());
			}
		}
	}

	private holdLimit(webhook: number): number {
		return this.holds.limit(webhook, this.options.concurrency * HOLD_FACTOR);
	}

	private heldPerWebhook(): Map<number, number> {
		const counts = new Map<number, number>();
		const add = (webhook: number, count: number) => counts.set(webhook, (counts.get(webhook) ?? 0) + count);
		for (const [webhook, queue] of this.waiting) add(webhook, queue.length);
		for (const [webhook, count] of this.inFlight) add(webhook, count);
		return counts;
	}

	private hold(delivery: HeldDelivery): void {
		this.held++;
		const queue = this.waiting.get(delivery.webhook) ?? [];
		queue.push(delivery);
		this.waiting.set(delivery.webhook, queue);
	}

	/** Starts waiting deliveries while global and per-webhook slots are free. */
	private pump(): void {
		const now = Date.now();
		const sendBy = now + this.options.timeoutMs;
		const expiring: number[] = [];
		for (const [webhook, queue] of this.waiting) {
			while (queue.length > 0 && this.running < this.options.concurrency && (this.inFlight.get(webhook) ?? 0) < this.options.perWebhook) {
				// A rate-limited webhook's deliveries wait for their slots, in slot order.
				if (queue[0]!.sendAt !== undefined && queue[0]!.sendAt > now) {
					this.pumpLater.at(queue[0]!.sendAt);
					break;
				}
				const delivery = queue.shift()!;
				// A lease that could end during the send would let another instance send it too:
				// it goes back to the outbox instead (a receiver turned slow under a long queue).
				if (delivery.lease_until < sendBy) {
					expiring.push(delivery.id);
					this.held--;
					continue;
				}
				this.running++;
				this.inFlight.set(webhook, (this.inFlight.get(webhook) ?? 0) + 1);
				void this.deliver(delivery).finally(() => this.finished(delivery));
			}
			if (queue.length === 0) this.waiting.delete(webhook);
		}
		if (expiring.length > 0) {
			this.store.release(this.owner, expiring).catch((error) => this.logger.warn(error, `[webhooks] could not give back ${expiring.length} deliveries (their leases expire)`));
		}
	}

	private finished(delivery: ClaimedDelivery): void {
		this.running--;
		this.held--;
		const left = (this.inFlight.get(delivery.webhook) ?? 1) - 1;
		if (left > 0) this.inFlight.set(delivery.webhook, left);
		else this.inFlight.delete(delivery.webhook);
		if (this.running === 0) for (const done of this.idle.splice(0)) done();
		this.pump();
		// Otherwise new rows announce themselves (outbox wake-up) and retries come with the poll.
		if (this.moreDue && this.held < this.options.concurrency) this.wake();
	}

	private async deliver(delivery: ClaimedDelivery): Promise<void> {
		const attemptNumber = delivery.attempts + 1;
		const startedAt = Date.now();
		const webhook = this.registry.get(delivery.webhook);
		const base = { delivery: delivery.id, webhook: delivery.webhook, attempt: attemptNumber, started_at: startedAt };

		if (!webhook || !webhook.active) {
			const reason = webhook ? 'the webhook is inactive' : 'the webhook was deleted';
			this.push({ delivery, status: 'skipped', nextAttemptAt: null, error: reason, attempt: { ...base, ...emptyAttempt(webhook?.url ?? ''), error: reason }, ...(webhook ? { missed: true as const } : {}) });
			return;
		}

		let request;
		try {
			request = await this.builder.build(webhook, delivery, startedAt);
		} catch (error) {
			if (error instanceof SkipDelivery) {
				this.push({ delivery, status: 'skipped', nextAttemptAt: null, error: error.message, attempt: { ...base, ...emptyAttempt(webhook.url), error: error.message } });
				return;
			}
			const message = `could not build the request: ${error instanceof Error ? error.message : String(error)}`;
			this.fail(delivery, webhook, { ...base, ...emptyAttempt(webhook.url), error: message }, null, message);
			return;
		}

		const result = await this.sender.send({
			url: request.url,
			method: request.method,
			headers: request.headers,
			body: request.body,
			timeoutMs: this.options.timeoutMs,
			maxResponseBytes: this.options.maxResponseBytes,
		});
		this.holds.observe(webhook.id, result.durationMs);
		this.metrics?.attempt(webhook.id, result.durationMs);
		const attempt = {
			...base,
			duration_ms: Math.round(result.durationMs),
			request_url: request.url,
			request_headers: request.loggedHeaders,
			request_body: request.body,
			response_status: result.status,
			response_headers: result.status === null ? null : result.headers,
			response_body: result.status === null ? null : result.body.slice(0, RESPONSE_LOG_BYTES),
			error: result.error,
		};

		if (result.status !== null && result.status >= 200 && result.status < 300) {
			this.push({ delivery, status: 'succeeded', nextAttemptAt: null, error: null, attempt });
			if (webhook.failingSince !== null) await this.health.succeeded(webhook).catch((error) => this.logger.warn(error));
			return;
		}
		if (result.status === 410) {
			const reason = 'the receiver answered 410 Gone, which asks senders to stop';
			this.push({ delivery, status: 'failed', nextAttemptAt: null, error: reason, attempt });
			await this.health.disable(webhook, reason).catch((error) => this.logger.warn(error));
			return;
		}
		this.fail(delivery, webhook, attempt, result, describeFailure(result));
	}

	private fail(delivery: ClaimedDelivery, webhook: RegisteredWebhook, attempt: Outcome['attempt'], result: SendResult | null, error: string): void {
		const retryAfter = parseRetryAfter(result?.headers['retry-after']);
		// A refused target stays refused until an admin changes the allow list: fail at once (resend after).
		const delay = result?.errorCode === SSRF_ERROR_CODE ? null : retryDelay(attempt.attempt, this.options.schedule, retryAfter);
		const now = Date.now();
		this.push({ delivery, attempt, error, status: delay === null ? 'failed' : 'pending', nextAttemptAt: delay === null ? null : now + delay });
		void this.health.failed(webhook, { at: now, error, delivery: delivery.id, final: delay === null }).catch((failure) => this.logger.warn(failure));
	}

	private push(outcome: Outcome): void {
		this.outcomes.add(outcome);
		this.metrics?.outcome(outcome);
		// The next delivery of an ordered item waits for this outcome in the database: record it now.
		if (outcome.delivery.order_key) {
			this.orderedSettled = true;
			void this.outcomes.flush();
		}
	}

	private flushOutcomes(): Promise<void> {
		return this.outcomes.flush();
	}
}

/** One pending timeout, kept at the earliest time asked for. */
class Timer {
	private timer: NodeJS.Timeout | null = null;
	private due = Infinity;
	private readonly run: () => void;

	constructor(run: () => void) {
		this.run = run;
	}

	at(time: number): void {
		if (this.timer && this.due <= time) return;
		this.clear();
		this.due = time;
		this.timer = setTimeout(() => {
			this.timer = null;
			this.due = Infinity;
			this.run();
		}, Math.max(0, time - Date.now()));
		this.timer.unref();
	}

	clear(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		this.due = Infinity;
	}
}

function emptyAttempt(url: string) {
	return { duration_ms: 0, request_url: url, request_headers: {}, request_body: null, response_status: null, response_headers: null, response_body: null };
}

function describeFailure(result: SendResult): string {
	if (result.status === null) return result.error ?? 'the request failed';
	if (result.status >= 300 && result.status < 400) return `the receiver answered ${result.status} (redirects are not followed)`;
	return `the receiver answered ${result.status}`;
}
