// What "recover" (send a time range's failed deliveries again) and "replay missed" (send what an
// inactive webhook recorded) accept, checked the same way by the API and the app's dialogs.
import * as v from 'valibot';
import type { FieldError } from './webhook';
import { enumList, flag, validateConfig } from './validation';

/** At most this many deliveries are queued again per call: a larger range takes several. */
export const MAX_RECOVER = 100_000;
/** What recover may send again (pending and sending ones are in the queue already). */
export const RECOVERABLE_STATUSES = ['failed', 'succeeded', 'skipped'] as const;
export type RecoverableStatus = (typeof RECOVERABLE_STATUSES)[number];

export interface RecoverRequest {
	/** Epoch ms: deliveries created at or after it. */
	since: number;
	/** Epoch ms: and before it (absent: up to now). */
	until?: number;
	statuses: RecoverableStatus[];
	/** Only count what would be queued. */
	dry_run: boolean;
}

export type ReplayRequest = Omit<RecoverRequest, 'statuses'>;

/** What both answer: how many deliveries were (or, on a dry run, would be) queued, at most MAX_RECOVER. */
export interface RecoverResult {
	count: number;
	/** More matched than one call queues: call again for the rest. */
	more: boolean;
	dry_run: boolean;
}

const TIME_MESSAGE = 'must be a date and time (ISO 8601, e.g. 2026-12-01T00:00:00Z) or epoch milliseconds';

/** ISO 8601 text or epoch milliseconds, as epoch milliseconds. */
const instant = v.pipe(
	v.custom<string | number>((value) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) || (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))), TIME_MESSAGE),
	v.transform((value) => (typeof value === 'number' ? value : Date.parse(value))),
);

const common = {
	since: v.nonNullish(instant, 'is required: ' + TIME_MESSAGE),
	until: v.optional(instant),
	dry_run: v.optional(flag, false),
};

const recoverSchema = v.object({ ...common, statuses: v.optional(enumList(RECOVERABLE_STATUSES, 'status'), ['failed']) });
const replaySchema = v.object(common);

type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

function check<T>(input: unknown, schema: typeof recoverSchema | typeof replaySchema): Checked<T> {
	// No body is an empty object: `since` is then the one field named missing.
	const result = validateConfig<T & { since?: number; until?: number }>(input ?? {}, schema as never, { mode: 'create', readonly: [], noun: 'a recovery' });
	const errors = result.ok ? [] : result.errors;
	const { since, until } = result.value;
	if (since !== undefined && until !== undefined && until <= since) errors.push({ field: 'until', reason: 'must be later than since' });
	return errors.length === 0 ? { ok: true, value: result.value } : { ok: false, errors };
}

export function validateRecover(input: unknown): Checked<RecoverRequest> {
	return check(input, recoverSchema);
}

export function validateReplay(input: unknown): Checked<ReplayRequest> {
	return check(input, replaySchema);
}
