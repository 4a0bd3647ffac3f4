// When to try a failed delivery again: a schedule of delays (Svix's by default, about a day and a
// half in all) with jitter, so deliveries that failed together do not all retry in the same
// instant, and never sooner than the receiver asked with Retry-After.

export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d)$/i;
const SCHEDULE_SETTING = 'WEBHOOKS_RETRY_SCHEDULE';
const DURATION_HINT = 'use e.g. 5s, 5m, 2h';
/** Each delay is moved by up to this fraction either way. */
const JITTER = 0.2;
// A receiver asking for more than a day is more likely wrong than serious.
const MAX_RETRY_AFTER_MS = 86_400_000;

/** Milliseconds in a duration such as `500ms`, `5s`, `1.5h` or `2d`. */
export function parseDuration(text: string): number {
	const token = String(text).trim();
	const match = DURATION.exec(token);
	const ms = match ? Math.round(Number(match[1]) * UNIT_MS[match[2]!.toLowerCase()]!) : Number.NaN;
	if (!Number.isSafeInteger(ms)) throw new Error(`"${token}" is not a duration (${DURATION_HINT})`);
	return ms;
}

/** The delays of a comma-separated schedule; the default when empty. */
export function parseRetrySchedule(text: string | undefined): number[] {
	const source = text === undefined || text.trim() === '' ? DEFAULT_RETRY_SCHEDULE : text;
	return source.split(',').map((entry) => {
		const token = entry.trim();
		if (token === '') throw new Error(`${SCHEDULE_SETTING}: "${source.trim()}" has an empty entry (${DURATION_HINT}, separated by commas)`);
		try {
			return parseDuration(token);
		} catch {
			throw new Error(`${SCHEDULE_SETTING}: "${token}" is not a duration (${DURATION_HINT})`);
		}
	});
}

/**
 * The delay before the next attempt, given how many attempts were made (1 after the first
 * failure), jittered by ±20%; null once the schedule is used up, so a delivery is tried at most
 * 1 + schedule.length times.
 */
export function nextRetryDelay(attempt: number, schedule: readonly number[], random: () => number = Math.random): number | null {
	if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, got ${String(attempt)}`);
	const base = schedule[attempt - 1];
	if (base === undefined) return null;
	// Clamped, so a misbehaving random source cannot push the jitter past its bounds.
	const unit = Math.min(1, Math.max(0, random()));
	return Math.max(0, Math.round(base * (1 + JITTER * (2 * unit - 1))));
}

const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_WEEKDAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(?<month>${MONTHS.join('|')})`;
const TIME = '(?<hour>\\d{2}):(?<minute>\\d{2}):(?<second>\\d{2})';
// The three forms RFC 9110 asks recipients to accept: IMF-fixdate, RFC 850 and asctime.
const HTTP_DATES = [
	new RegExp(`^${WEEKDAY}, (?<day>\\d{2}) ${MONTH} (?<year>\\d{4}) ${TIME} GMT$`),
	new RegExp(`^${LONG_WEEKDAY}, (?<day>\\d{2})-${MONTH}-(?<shortYear>\\d{2}) ${TIME} GMT$`),
	new RegExp(`^${WEEKDAY} ${MONTH} (?<day> \\d|\\d{2}) ${TIME} (?<year>\\d{4})$`),
];

/** RFC 9110: a two-digit year more than 50 years ahead belongs to the previous century. */
function fullYear(shortYear: number, now: number): number {
	const currentYear = new Date(now).getUTCFullYear();
	const year = currentYear - (currentYear % 100) + shortYear;
	return year > currentYear + 50 ? year - 100 : year;
}

/** Epoch ms of an HTTP-date, or null. Date.parse is avoided: it accepts far more than HTTP dates, and asctime as local time. */
function parseHttpDate(text: string, now: number): number | null {
	const parts = HTTP_DATES.map((pattern) => pattern.exec(text)?.groups).find((groups) => groups !== undefined);
	if (!parts) return null;
	const year = parts.year !== undefined ? Number(parts.year) : fullYear(Number(parts.shortYear), now);
	const [month, day, hour, minute, second] = [MONTHS.indexOf(parts.month!), Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)];
	const time = Date.UTC(year, month, day, hour, minute, second);
	const date = new Date(time);
	// Date.UTC rolls over (Feb 30 becomes Mar 2, 25:00 the next day); such dates are invalid instead.
	const exact =
		date.getUTCFullYear() === year &&
		date.getUTCMonth() === month &&
		date.getUTCDate() === day &&
		date.getUTCHours() === hour &&
		date.getUTCMinutes() === minute &&
		date.getUTCSeconds() === second;
	return exact ? time : null;
}

/** Retry-After (delay-seconds or an HTTP-date) as a delay in ms within [0, 24h]; null when absent or invalid. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
	if (typeof value !== 'string') return null;
	const text = value.trim();
	if (text === '') return null;
	let ms: number;
	if (/^\d+$/.test(text)) {
		ms = Number(text) * 1000;
	} else {
		const at = parseHttpDate(text, now);
		if (at === null) return null;
		ms = at - now;
	}
	return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** The scheduled (jittered) delay, but never shorter than the receiver's Retry-After; null when exhausted. */
export function retryDelay(attempt: number, schedule: readonly number[], retryAfterMs: number | null, random: () => number = Math.random): number | null {
	const delay = nextRetryDelay(attempt, schedule, random);
	if (delay === null) return null;
	return retryAfterMs === null || !Number.isFinite(retryAfterMs) ? delay : Math.max(delay, retryAfterMs);
}
