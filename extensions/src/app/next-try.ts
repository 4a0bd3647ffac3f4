// "next try in 4 min": when a delivery that is waiting will be attempted, in words, so the log
// says a failing delivery is still being retried (and when) rather than only "pending".
import { TEXTS } from './texts';

const FORMAT = new Intl.RelativeTimeFormat('en', { numeric: 'always', style: 'long' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
	['day', 86_400_000],
	['hour', 3_600_000],
	['minute', 60_000],
	['second', 1000],
];

/** For a pending delivery: when it is attempted next ("next try in 4 min", "due now"); null otherwise. */
export function nextTry(delivery: { status?: string; next_attempt_at?: number | string | null }, now: number): string | null {
	if (delivery.status !== 'pending' || delivery.next_attempt_at === null || delivery.next_attempt_at === undefined) return null;
	// bigint columns come back as strings on some databases.
	const wait = Number(delivery.next_attempt_at) - now;
	if (!Number.isFinite(wait)) return null;
	if (wait < 1000) return TEXTS.dueNow;
	const [unit, size] = UNITS.find(([, ms]) => wait >= ms) ?? UNITS.at(-1)!;
	return TEXTS.nextTryIn(FORMAT.format(Math.round(wait / size), unit));
}
