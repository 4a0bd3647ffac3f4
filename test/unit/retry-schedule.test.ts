import { describe, expect, it, vi } from 'vitest';
import {
	DEFAULT_RETRY_SCHEDULE,
	nextRetryDelay,
	parseDuration,
	parseRetryAfter,
	parseRetrySchedule,
	retryDelay,
} from '../../extensions/src/api/outbound/worker/retry-schedule';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Random sources pinned to the ends and middle of the jitter range. */
const lowest = (): number => 0;
const middle = (): number => 0.5;
const highest = (): number => 1;

describe('parseDuration', () => {
	it('reads every unit', () => {
		expect(parseDuration('250ms')).toBe(250);
		expect(parseDuration('5s')).toBe(5 * SECOND);
		expect(parseDuration('5m')).toBe(5 * MINUTE);
		expect(parseDuration('2h')).toBe(2 * HOUR);
		expect(parseDuration('3d')).toBe(3 * DAY);
	});

	it('reads decimals and rounds to whole milliseconds', () => {
		expect(parseDuration('1.5s')).toBe(1500);
		expect(parseDuration('0.25h')).toBe(15 * MINUTE);
		expect(parseDuration('.5m')).toBe(30 * SECOND);
		expect(parseDuration('1.6ms')).toBe(2);
	});

	it('accepts zero', () => {
		expect(parseDuration('0s')).toBe(0);
	});

	it('tolerates surrounding and inner spaces and upper case units', () => {
		expect(parseDuration('  10m ')).toBe(10 * MINUTE);
		expect(parseDuration('10 m')).toBe(10 * MINUTE);
		expect(parseDuration('10S')).toBe(10 * SECOND);
		expect(parseDuration('10MS')).toBe(10);
	});

	it('throws an error naming the bad token', () => {
		for (const token of ['5x', '5', 's', '-5s', '5.s', '1e3s', '5 s s', '5m30s', 'ms', '', 'Infinitys']) {
			expect(() => parseDuration(token), token).toThrow(`"${token.trim()}" is not a duration`);
		}
	});

	it('rejects durations too large to be exact', () => {
		expect(() => parseDuration(`${'9'.repeat(20)}d`)).toThrow(/is not a duration/);
	});
});

describe('parseRetrySchedule', () => {
	it('defaults to the Svix-like schedule for undefined or blank input', () => {
		const expected = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];
		expect(parseRetrySchedule(undefined)).toEqual(expected);
		expect(parseRetrySchedule('')).toEqual(expected);
		expect(parseRetrySchedule('  ')).toEqual(expected);
		expect(parseRetrySchedule(DEFAULT_RETRY_SCHEDULE)).toEqual(expected);
	});

	it('reads a comma separated list, tolerating whitespace', () => {
		expect(parseRetrySchedule('1s, 2m ,3h,\t4d')).toEqual([SECOND, 2 * MINUTE, 3 * HOUR, 4 * DAY]);
		expect(parseRetrySchedule('500ms')).toEqual([500]);
	});

	it('keeps order and duplicates', () => {
		expect(parseRetrySchedule('1h,1s,1h')).toEqual([HOUR, SECOND, HOUR]);
	});

	it('names the setting and the bad entry', () => {
		expect(() => parseRetrySchedule('5s, 5x ,2h')).toThrow('WEBHOOKS_RETRY_SCHEDULE: "5x" is not a duration (use e.g. 5s, 5m, 2h)');
		expect(() => parseRetrySchedule('5s,10')).toThrow('WEBHOOKS_RETRY_SCHEDULE: "10" is not a duration');
	});

	it('rejects empty entries', () => {
		for (const text of ['5s,,5m', '5s,', ',5s', ' , ']) {
			expect(() => parseRetrySchedule(text), text).toThrow(/^WEBHOOKS_RETRY_SCHEDULE: .* has an empty entry/);
		}
	});
});

describe('nextRetryDelay', () => {
	const schedule = [10 * SECOND, 5 * MINUTE, HOUR];

	it('takes the delay for the attempts made so far', () => {
		expect(nextRetryDelay(1, schedule, middle)).toBe(10 * SECOND);
		expect(nextRetryDelay(2, schedule, middle)).toBe(5 * MINUTE);
		expect(nextRetryDelay(3, schedule, middle)).toBe(HOUR);
	});

	it('is null once the schedule is used up: 1 + schedule.length attempts in all', () => {
		expect(nextRetryDelay(4, schedule, middle)).toBeNull();
		expect(nextRetryDelay(100, schedule, middle)).toBeNull();
		expect(nextRetryDelay(1, [], middle)).toBeNull();
		const defaults = parseRetrySchedule(undefined);
		let attempts = 1;
		while (nextRetryDelay(attempts, defaults, middle) !== null) attempts++;
		expect(attempts).toBe(8);
	});

	it('jitters by up to 20% either way', () => {
		expect(nextRetryDelay(1, schedule, lowest)).toBe(8 * SECOND);
		expect(nextRetryDelay(1, schedule, highest)).toBe(12 * SECOND);
		expect(nextRetryDelay(3, schedule, () => 0.25)).toBe(3_240_000);
		expect(nextRetryDelay(3, schedule, () => 0.75)).toBe(3_960_000);
	});

	it('spreads uniformly across the range', () => {
		const delays = Array.from({ length: 11 }, (_, index) => nextRetryDelay(1, [1000], () => index / 10));
		expect(delays).toEqual([800, 840, 880, 920, 960, 1000, 1040, 1080, 1120, 1160, 1200]);
	});

	it('stays within the bounds with the real random source', () => {
		for (let index = 0; index < 1000; index++) {
			const delay = nextRetryDelay(2, schedule)!;
			expect(delay).toBeGreaterThanOrEqual(0.8 * 5 * MINUTE);
			expect(delay).toBeLessThanOrEqual(1.2 * 5 * MINUTE);
		}
	});

	it('returns whole milliseconds', () => {
		// 7 × 0.92 = 6.44
		expect(nextRetryDelay(1, [7], () => 0.3)).toBe(6);
		expect(Number.isInteger(nextRetryDelay(1, [333], () => 0.123456))).toBe(true);
	});

	it('is never negative, and clamps a random source outside [0, 1]', () => {
		expect(nextRetryDelay(1, [0], lowest)).toBe(0);
		expect(nextRetryDelay(1, [1000], () => -5)).toBe(800);
		expect(nextRetryDelay(1, [1000], () => 7)).toBe(1200);
	});

	it('rejects an attempt count that is not a positive integer', () => {
		for (const attempt of [0, -1, 1.5, Number.NaN]) expect(() => nextRetryDelay(attempt, schedule, middle)).toThrow(RangeError);
	});
});

describe('parseRetryAfter', () => {
	const now = Date.UTC(2025, 0, 15, 12, 0, 0);

	it('is null when absent or blank', () => {
		expect(parseRetryAfter(undefined, now)).toBeNull();
		expect(parseRetryAfter('', now)).toBeNull();
		expect(parseRetryAfter('   ', now)).toBeNull();
	});

	it('reads delay-seconds', () => {
		expect(parseRetryAfter('0', now)).toBe(0);
		expect(parseRetryAfter('120', now)).toBe(120 * SECOND);
		expect(parseRetryAfter(' 30 ', now)).toBe(30 * SECOND);
	});

	it('reads an IMF-fixdate', () => {
		expect(parseRetryAfter('Wed, 15 Jan 2025 12:01:30 GMT', now)).toBe(90 * SECOND);
	});

	it('reads the obsolete RFC 850 and asctime forms, as UTC', () => {
		expect(parseRetryAfter('Wednesday, 15-Jan-25 12:05:00 GMT', now)).toBe(5 * MINUTE);
		expect(parseRetryAfter('Wed Jan 15 13:00:00 2025', now)).toBe(HOUR);
		// asctime pads a one-digit day with a space.
		expect(parseRetryAfter('Sat Feb  1 12:00:00 2025', Date.UTC(2025, 1, 1, 11, 0, 0))).toBe(HOUR);
	});

	it('takes an RFC 850 year more than 50 years ahead as the previous century', () => {
		// "99" would be 2099, more than 50 years after 2025, so 1999: long past.
		expect(parseRetryAfter('Friday, 31-Dec-99 23:59:59 GMT', now)).toBe(0);
		expect(parseRetryAfter('Friday, 16-Jan-26 12:00:00 GMT', now)).toBe(DAY);
	});

	it('is zero for a date in the past', () => {
		expect(parseRetryAfter('Wed, 15 Jan 2025 11:00:00 GMT', now)).toBe(0);
	});

	it('clamps to 24 hours', () => {
		expect(parseRetryAfter(String(DAY / SECOND), now)).toBe(DAY);
		expect(parseRetryAfter(String(DAY / SECOND + 1), now)).toBe(DAY);
		expect(parseRetryAfter('9'.repeat(400), now)).toBe(DAY);
		expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:00 GMT', now)).toBe(DAY);
	});

	it('uses the current time by default', () => {
		vi.useFakeTimers({ toFake: ['Date'] });
		try {
			vi.setSystemTime(Date.UTC(2025, 0, 15, 12, 0, 0, 400));
			expect(parseRetryAfter('Wed, 15 Jan 2025 12:01:02 GMT')).toBe(MINUTE + 2 * SECOND - 400);
		} finally {
			vi.useRealTimers();
		}
	});

	it('is null for anything else', () => {
		for (const value of [
			'-5',
			'1.5',
			'5s',
			'soon',
			'0x10',
			'1e3',
			'2025-01-15T12:01:00Z',
			'Wed, 15 Jan 2025 12:01:30',
			'Wed, 15 Jan 2025 12:01:30 PST',
			'Wed, 32 Jan 2025 12:00:00 GMT',
			'Sun, 30 Feb 2025 12:00:00 GMT',
			'Wed, 15 Jan 2025 25:00:00 GMT',
			'Wed, 15 Foo 2025 12:00:00 GMT',
		]) {
			expect(parseRetryAfter(value, now), value).toBeNull();
		}
	});
});

describe('retryDelay', () => {
	const schedule = [10 * SECOND, 5 * MINUTE];

	it('is the scheduled delay without Retry-After', () => {
		expect(retryDelay(1, schedule, null, middle)).toBe(10 * SECOND);
		expect(retryDelay(1, schedule, null, lowest)).toBe(8 * SECOND);
	});

	it('waits at least as long as Retry-After asks', () => {
		expect(retryDelay(1, schedule, MINUTE, middle)).toBe(MINUTE);
		expect(retryDelay(1, schedule, 11 * SECOND, highest)).toBe(12 * SECOND);
		expect(retryDelay(2, schedule, SECOND, lowest)).toBe(4 * MINUTE);
	});

	it('treats a zero Retry-After as no constraint', () => {
		expect(retryDelay(2, schedule, 0, middle)).toBe(5 * MINUTE);
	});

	it('ignores a Retry-After that is not a finite number', () => {
		expect(retryDelay(1, schedule, Number.NaN, middle)).toBe(10 * SECOND);
	});

	it('is still null once the schedule is used up', () => {
		expect(retryDelay(3, schedule, MINUTE, middle)).toBeNull();
		expect(retryDelay(3, schedule, null, middle)).toBeNull();
	});

	it('combines with parseRetryAfter', () => {
		expect(retryDelay(1, schedule, parseRetryAfter('3600'), middle)).toBe(HOUR);
		expect(retryDelay(1, schedule, parseRetryAfter(undefined), middle)).toBe(10 * SECOND);
	});

	it('uses Math.random by default and stays in the jitter range', () => {
		const delay = retryDelay(2, schedule, null)!;
		expect(delay).toBeGreaterThanOrEqual(4 * MINUTE);
		expect(delay).toBeLessThanOrEqual(6 * MINUTE);
	});
});
