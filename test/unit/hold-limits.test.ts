import { describe, expect, it } from 'vitest';
import { HoldLimits } from '../../extensions/src/api/outbound/worker/hold-limits';

const limits = () => new HoldLimits({ perWebhook: 16, minFactor: 2, windowMs: 100 });

describe('HoldLimits', () => {
	it('gives a webhook it has not seen yet twice its concurrency', () => {
		expect(limits().limit(1, 128)).toBe(32);
	});

	it('lets a fast receiver hold about the window of its work, up to the budget', () => {
		const holds = limits();
		holds.observe(1, 20); // 5 rounds of 16 fit in 100 ms
		expect(holds.limit(1, 128)).toBe(80);
		holds.observe(2, 2);
		expect(holds.limit(2, 128)).toBe(128);
		expect(holds.limit(2, 200)).toBe(200);
	});

	it('keeps a slow receiver at the least, even when the budget is small', () => {
		const holds = limits();
		holds.observe(1, 3_000);
		expect(holds.limit(1, 128)).toBe(32);
		holds.observe(2, 1);
		expect(holds.limit(2, 10)).toBe(32);
	});

	it('shrinks a fast receiver’s queue at its first timeout', () => {
		const holds = limits();
		for (let n = 0; n < 20; n++) holds.observe(1, 2);
		expect(holds.limit(1, 128)).toBe(128);
		holds.observe(1, 15_000);
		expect(holds.limit(1, 128)).toBe(32);
	});

	it('keeps webhooks apart', () => {
		const holds = limits();
		holds.observe(1, 1);
		holds.observe(2, 5_000);
		expect([holds.limit(1, 128), holds.limit(2, 128), holds.limit(3, 128)]).toEqual([128, 32, 32]);
	});
});
