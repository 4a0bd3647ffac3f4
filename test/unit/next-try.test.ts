// The delivery log's "next try in …": only for waiting deliveries, in the largest whole unit.
import { describe, expect, it } from 'vitest';
import { nextTry } from '../../extensions/src/app/next-try.ts';

const NOW = 1_700_000_000_000;

describe('next try', () => {
	it('says when a pending delivery is attempted next, in minutes, hours or days', () => {
		expect(nextTry({ status: 'pending', next_attempt_at: NOW + 4 * 60_000 }, NOW)).toBe('next try in 4 minutes');
		expect(nextTry({ status: 'pending', next_attempt_at: String(NOW + 3 * 3_600_000) }, NOW)).toBe('next try in 3 hours');
		expect(nextTry({ status: 'pending', next_attempt_at: NOW + 2 * 86_400_000 }, NOW)).toBe('next try in 2 days');
		expect(nextTry({ status: 'pending', next_attempt_at: NOW + 20_000 }, NOW)).toBe('next try in 20 seconds');
	});

	it('says "due now" once the time has come, and nothing for deliveries that are not waiting', () => {
		expect(nextTry({ status: 'pending', next_attempt_at: NOW - 5000 }, NOW)).toBe('due now');
		for (const status of ['sending', 'succeeded', 'failed', 'skipped']) expect(nextTry({ status, next_attempt_at: NOW + 60_000 }, NOW)).toBeNull();
		expect(nextTry({ status: 'pending', next_attempt_at: null }, NOW)).toBeNull();
	});
});
