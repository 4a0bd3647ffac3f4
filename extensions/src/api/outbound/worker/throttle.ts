// Per-webhook rate limits (rate_limit_per_second): how many deliveries of a limited webhook this
// instance may claim now, and when each may be sent. Slots come from the shared bucket
// (throttle-store), reserved a batch at a time for the next LOOKAHEAD_MS, so not every send costs
// a database round trip; each delivery is then held until its own slot, which spaces the requests
// evenly. Deliveries beyond the limit are simply not claimed yet: they wait, none are dropped.
import type { RegisteredWebhook } from '../config/webhook-registry';
import type { ThrottleStore } from '../queue/throttle-store';

/** How far ahead an instance reserves slots (and how often it claims for a busy limited webhook). */
export const LOOKAHEAD_MS = 250;

export class Throttle {
	private readonly store: ThrottleStore;
	/** Per webhook, the next free slot as last seen here (epoch µs); another instance may have moved it on. */
	private readonly nextSlot = new Map<number, number>();

	constructor(store: ThrottleStore) {
		this.store = store;
	}

	/**
	 * How many deliveries of this webhook fit in the slots up to LOOKAHEAD_MS from now (0: none yet),
	 * and when to look again otherwise.
	 */
	room(webhook: RegisteredWebhook, now: number): { count: number; retryAt: number | null } {
		const intervalMs = 1000 / webhook.rateLimitPerSecond!;
		const next = Math.max((this.nextSlot.get(webhook.id) ?? 0) / 1000, now);
		const horizon = now + LOOKAHEAD_MS;
		if (next > horizon) return { count: 0, retryAt: next - LOOKAHEAD_MS };
		return { count: Math.floor((horizon - next) / intervalMs) + 1, retryAt: null };
	}

	/** Reserves a slot for each of `count` claimed deliveries; returns their send times (epoch ms), in order. */
	async reserve(webhook: RegisteredWebhook, count: number, now: number): Promise<number[]> {
		const intervalUs = 1_000_000 / webhook.rateLimitPerSecond!;
		const first = (await this.store.reserve(webhook.id, count, intervalUs, Math.round(now * 1000))) ?? Math.round(now * 1000);
		this.nextSlot.set(webhook.id, first + Math.round(count * intervalUs));
		return Array.from({ length: count }, (_, index) => (first + Math.round(index * intervalUs)) / 1000);
	}
}
