// Message ids (the webhook-id header, stable across retries). They are the outbox's unique key,
// so they lead with the time: new ids land at the end of the unique index, as its primary key's
// do. Random ids scattered each batch's rows over the whole index, and on SQLite a 100-row insert
// into 100,000 deliveries took twice as long (every touched page is journalled and written).
import { randomFillSync } from 'node:crypto';

const RANDOM_BYTES = 16;
// 12 hex digits hold milliseconds until the year 10889; hex sorts alike under every collation.
const TIME_DIGITS = 12;

// Random bytes drawn in bulk: every item event takes an id, and a call into the system's
// generator per id showed in profiles of batch writes. Each id uses its own bytes.
const POOL = Buffer.alloc(RANDOM_BYTES * 256);
let offset = POOL.length;

/** `msg_`, the time in 12 hex digits, then 22 url-safe characters of 128 random bits. */
export function messageId(now = Date.now()): string {
	if (offset === POOL.length) {
		randomFillSync(POOL);
		offset = 0;
	}
	const random = POOL.toString('base64url', offset, offset + RANDOM_BYTES);
	offset += RANDOM_BYTES;
	return `msg_${Math.max(0, Math.floor(now)).toString(16).padStart(TIME_DIGITS, '0')}${random}`;
}
