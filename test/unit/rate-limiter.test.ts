import { describe, expect, it, vi } from 'vitest';
import { RateLimiter, type RateDecision } from '../../extensions/src/api/inbound/http/rate-limiter';

const T0 = 1_700_000_000_000;

/** How many of `count` takes at one instant are allowed. */
function allowed(limiter: RateLimiter, endpoint: number | string, perMinute: number, count: number, now: number): number {
	let ok = 0;
	for (let index = 0; index < count; index += 1) if (limiter.take(endpoint, perMinute, now).ok) ok += 1;
	return ok;
}

const retryAfter = (decision: RateDecision): number => {
	if (decision.ok) throw new Error('expected a refusal');
	return decision.retryAfterSeconds;
};

describe('RateLimiter', () => {
	it('allows a burst up to the per-minute limit, then refuses', () => {
		const limiter = new RateLimiter();
		for (let index = 0; index < 5; index += 1) expect(limiter.take(1, 5, T0)).toEqual({ ok: true });
		expect(limiter.take(1, 5, T0).ok).toBe(false);
		expect(limiter.take(1, 5, T0).ok).toBe(false);
	});

	it('says how long until the next token', () => {
		const limiter = new RateLimiter();
		expect(allowed(limiter, 1, 3, 3, T0)).toBe(3);
		// 3 per minute: one token every 20 seconds.
		expect(limiter.take(1, 3, T0)).toEqual({ ok: false, retryAfterSeconds: 20 });
		expect(retryAfter(limiter.take(1, 3, T0 + 5_000))).toBe(15);
		expect(retryAfter(limiter.take(1, 3, T0 + 19_001))).toBe(1);

		const once = new RateLimiter();
		expect(once.take(9, 1, T0).ok).toBe(true);
		expect(retryAfter(once.take(9, 1, T0))).toBe(60);
		expect(retryAfter(once.take(9, 1, T0 + 30_000))).toBe(30);
	});

	it('never asks to wait less than a second', () => {
		const limiter = new RateLimiter();
		// 6000 per minute: a token every 10 ms.
		expect(allowed(limiter, 1, 6000, 6000, T0)).toBe(6000);
		expect(limiter.take(1, 6000, T0)).toEqual({ ok: false, retryAfterSeconds: 1 });
	});

	it('refills evenly over time', () => {
		const limiter = new RateLimiter();
		expect(allowed(limiter, 1, 60, 60, T0)).toBe(60);
		// One per second.
		expect(limiter.take(1, 60, T0 + 999).ok).toBe(false);
		expect(limiter.take(1, 60, T0 + 1_000).ok).toBe(true);
		expect(limiter.take(1, 60, T0 + 1_000).ok).toBe(false);
		expect(allowed(limiter, 1, 60, 20, T0 + 11_000)).toBe(10);
	});

	it('refills to the limit at most', () => {
		const limiter = new RateLimiter();
		expect(allowed(limiter, 1, 10, 10, T0)).toBe(10);
		expect(allowed(limiter, 1, 10, 50, T0 + 3_600_000)).toBe(10);
	});

	it('keeps a bucket per endpoint', () => {
		const limiter = new RateLimiter();
		expect(allowed(limiter, 1, 2, 2, T0)).toBe(2);
		expect(limiter.take(1, 2, T0).ok).toBe(false);
		expect(allowed(limiter, 2, 2, 3, T0)).toBe(2);
		expect(allowed(limiter, 3, 100, 3, T0)).toBe(3);
		expect(limiter.take(1, 2, T0).ok).toBe(false);
	});

	it('forgets an endpoint: its next request starts a full bucket', () => {
		const limiter = new RateLimiter();
		expect(allowed(limiter, 1, 2, 2, T0)).toBe(2);
		expect(allowed(limiter, 2, 2, 2, T0)).toBe(2);
		limiter.forget(1);
		expect(allowed(limiter, 1, 2, 3, T0)).toBe(2);
		expect(limiter.take(2, 2, T0).ok).toBe(false);
		limiter.forget(42);
	});

	it('applies a lowered limit at once', () => {
		const limiter = new RateLimiter();
		expect(limiter.take(1, 100, T0).ok).toBe(true);
		expect(allowed(limiter, 1, 2, 5, T0)).toBe(2);
	});

	it('uses the clock when no time is given', () => {
		vi.useFakeTimers({ toFake: ['Date'] });
		try {
			vi.setSystemTime(T0);
			const limiter = new RateLimiter();
			expect(limiter.take(1, 1).ok).toBe(true);
			vi.setSystemTime(T0 + 59_999);
			expect(limiter.take(1, 1).ok).toBe(false);
			expect(limiter.peek(1, 1).ok).toBe(false);
			vi.setSystemTime(T0 + 60_000);
			expect(limiter.peek(1, 1).ok).toBe(true);
			expect(limiter.take(1, 1).ok).toBe(true);
		} finally {
			vi.useRealTimers();
		}
	});
});

describe('RateLimiter by key', () => {
	it('peek says what take would, taking nothing', () => {
		const limiter = new RateLimiter();
		expect(limiter.peek('1 10.0.0.1', 2, T0)).toEqual({ ok: true });
		expect(allowed(limiter, '1 10.0.0.1', 2, 2, T0)).toBe(2);
		expect(limiter.peek('1 10.0.0.1', 2, T0)).toEqual({ ok: false, retryAfterSeconds: 30 });
		expect(limiter.peek('1 10.0.0.1', 2, T0 + 30_000).ok).toBe(true);
		expect(limiter.peek('1 10.0.0.1', 2, T0 + 30_000).ok).toBe(true);
		expect(limiter.take('1 10.0.0.1', 2, T0 + 30_000).ok).toBe(true);
		expect(limiter.take('1 10.0.0.1', 2, T0 + 30_000).ok).toBe(false);
	});

	it('keeps at most maxBuckets, dropping the least recently used', () => {
		const limiter = new RateLimiter(3);
		for (const key of ['a', 'b', 'c']) limiter.take(key, 1, T0);
		// "a" is used again, so "b" is the oldest when "d" comes.
		expect(limiter.take('a', 1, T0).ok).toBe(false);
		limiter.take('d', 1, T0);
		expect(limiter.size).toBe(3);
		expect(limiter.take('a', 1, T0).ok).toBe(false);
		expect(limiter.take('c', 1, T0).ok).toBe(false);
		expect(limiter.take('b', 1, T0).ok).toBe(true);
	});
});
