// Per-endpoint token buckets: up to the per-minute limit in a burst, refilled evenly. Each
// instance counts its own requests, so behind a load balancer the limit applies per instance.

interface Bucket {
	tokens: number;
	updated: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export class RateLimiter {
	private readonly buckets = new Map<number, Bucket>();

	take(endpointId: number, perMinute: number, now = Date.now()): RateDecision {
		const ratePerMs = perMinute / 60_000;
		const bucket = this.buckets.get(endpointId) ?? { tokens: perMinute, updated: now };
		bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updated) * ratePerMs);
		bucket.updated = now;
		this.buckets.set(endpointId, bucket);
		if (bucket.tokens >= 1) {
			bucket.tokens -= 1;
			return { ok: true };
		}
		return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000)) };
	}

	forget(endpointId: number): void {
		this.buckets.delete(endpointId);
	}
}
