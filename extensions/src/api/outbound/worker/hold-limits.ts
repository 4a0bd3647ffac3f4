// How many deliveries of one webhook an instance may hold (in flight plus waiting to be sent).
// A slow receiver gets a short queue, a few times its concurrency, so it cannot take the budget
// the other webhooks need. A fast receiver empties such a queue quicker than the database answers
// the next claim and would sit idle between claims (and claims would keep giving its rows back),
// so it may hold about `windowMs` of its own work, up to the instance's whole budget.

export interface HoldLimitOptions {
	/** Requests in flight per webhook. */
	perWebhook: number;
	/** The least a webhook may hold, in multiples of perWebhook. */
	minFactor: number;
	/** How much of a webhook's work (at its recent pace) it may hold. */
	windowMs: number;
}

// Weight of the newest attempt in the running average: a receiver that turns slow (or starts
// timing out) loses its long queue within an attempt or two.
const SMOOTHING = 0.3;

export class HoldLimits {
	private readonly options: HoldLimitOptions;
	/** Running average of attempt durations per webhook, in ms. */
	private readonly pace = new Map<number, number>();

	constructor(options: HoldLimitOptions) {
		this.options = options;
	}

	/** Records how long an attempt to this webhook took. */
	observe(webhook: number, durationMs: number): void {
		const previous = this.pace.get(webhook);
		this.pace.set(webhook, previous === undefined ? durationMs : previous + SMOOTHING * (durationMs - previous));
	}

	/** Deliveries this webhook may hold, given the instance's whole budget. */
	limit(webhook: number, budget: number): number {
		const { perWebhook, minFactor, windowMs } = this.options;
		const least = perWebhook * minFactor;
		const pace = this.pace.get(webhook);
		if (pace === undefined) return least;
		const rounds = Math.floor(windowMs / Math.max(pace, 1));
		return Math.max(least, Math.min(perWebhook * rounds, budget));
	}
}
