import { describe, expect, it } from 'vitest';
import { SETTLES_SOON_MS, settlesSoon } from '../../extensions/src/shared/delivery';

describe('settlesSoon', () => {
	const now = 1_700_000_000_000;

	it('is true while a delivery is being sent or due within the window', () => {
		expect(settlesSoon({ status: 'sending', next_attempt_at: now + 10 * SETTLES_SOON_MS }, now)).toBe(true);
		expect(settlesSoon({ status: 'pending', next_attempt_at: now - 1 }, now)).toBe(true);
		expect(settlesSoon({ status: 'pending', next_attempt_at: now + SETTLES_SOON_MS }, now)).toBe(true);
		expect(settlesSoon({ status: 'pending', next_attempt_at: null }, now)).toBe(true);
	});

	it('reads bigint columns returned as strings', () => {
		expect(settlesSoon({ status: 'pending', next_attempt_at: String(now + 5_000) }, now)).toBe(true);
		expect(settlesSoon({ status: 'pending', next_attempt_at: String(now + 2 * 3_600_000) }, now)).toBe(false);
	});

	it('is false for a retry hours away and for finished deliveries', () => {
		expect(settlesSoon({ status: 'pending', next_attempt_at: now + SETTLES_SOON_MS + 1 }, now)).toBe(false);
		for (const status of ['succeeded', 'failed', 'skipped']) expect(settlesSoon({ status, next_attempt_at: null }, now)).toBe(false);
	});
});
