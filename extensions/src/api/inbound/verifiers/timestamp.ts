// Replay protection for schemes that sign a timestamp: a captured request stops working once
// it is older (or further in the future, for skewed clocks) than the tolerance.
import type { Verdict } from './types';
import { reject } from './verdict';

export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A positive whole number of seconds from the settings, or the default. */
export function toleranceOf(configured: unknown): number {
	return typeof configured === 'number' && Number.isSafeInteger(configured) && configured > 0 ? configured : DEFAULT_TOLERANCE_SECONDS;
}

/** The timestamp in unix seconds, or a rejection when it is malformed or outside the tolerance. */
export function checkTimestamp(value: string, headerName: string, toleranceSeconds: number, now: number): number | Verdict {
	// Digits only: Number() would also take '', ' 1', '1e9' and '0x10'.
	if (!/^\d{1,15}$/.test(value)) return reject(`malformed ${headerName} header`);
	const timestamp = Number(value);
	if (Math.abs(Math.floor(now / 1000) - timestamp) > toleranceSeconds) {
		return reject(`timestamp outside the ${toleranceSeconds} s tolerance`);
	}
	return timestamp;
}
