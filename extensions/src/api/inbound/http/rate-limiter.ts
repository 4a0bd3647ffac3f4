// Token buckets by key (the inbound handler keys them by endpoint and source address): up to the
// per-minute limit in a burst, refilled evenly. Each instance counts its own requests, so behind a
// load balancer the limit applies per instance. At most `maxBuckets` are kept, least recently
// used first out, so a flood of source addresses cannot grow memory (an evicted bucket was full
// or is refilled by the time its address comes back, give or take).

interface Bucket {
	tokens: number;
	updated: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };
export type BucketKey = string | number;

const DEFAULT_MAX_BUCKETS = 10_000;

export class RateLimiter {
	private readonly buckets = new Map<BucketKey, Bucket>();
	private readonly maxBuckets: number;

	constructor(maxBuckets = DEFAULT_MAX_BUCKETS) {
		this.maxBuckets = maxBuckets;
	}

	/** Takes a token when there is one. */
	take(key: BucketKey, perMinute: number, now = Date.now()): RateDecision {
		const bucket = this.refilled(key, perMinute, now);
		if (bucket.tokens >= 1) {
			bucket.tokens -= 1;
			return { ok: true };
		}
		return refusal(bucket, perMinute);
	}

	/** Whether `take` would succeed now, taking nothing. */
	peek(key: BucketKey, perMinute: number, now = Date.now()): RateDecision {
		const bucket = this.buckets.get(key);
		if (bucket === undefined) return { ok: true };
		const tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updated) * (perMinute / 60_000));
		return tokens >= 1 ? { ok: true } : refusal({ tokens, updated: now }, perMinute);
	}

	forget(key: BucketKey): void {
		this.buckets.delete(key);
	}

	get size(): number {
		return this.buckets.size;
	}

	private refilled(key: BucketKey, perMinute: number, now: number): Bucket {
		const bucket = this.buckets.get(key) ?? { tokens: perMinute, updated: now };
		bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updated) * (perMinute / 60_000));
		bucket.updated = now;
		// Re-inserted: the Map's order is then least recently used first.
		this.buckets.delete(key);
		this.buckets.set(key, bucket);
		if (this.buckets.size > this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value!);
		return bucket;
	}
}

function refusal(bucket: Bucket, perMinute: number): RateDecision {
	return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / (perMinute / 60_000) / 1000)) };
}
