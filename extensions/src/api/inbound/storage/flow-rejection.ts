// A blocking Flow that takes its reject path throws what its last operation produced: an error the
// operation threw (Directus strips its stack), a string, an object or nothing. That is the Flow's
// answer to the caller, not a failure of the database: it becomes a refusal (422 by default,
// never a 503 that providers would retry forever). Anything else is still a storage failure.
import { isDirectusError } from '@directus/errors';

const MAX_MESSAGE = 1000;
const DEFAULT_MESSAGE = 'The request was rejected';

/** The Flow's message when `thrown` is a blocking Flow's rejection, else null. */
export function flowRejection(thrown: unknown): string | null {
	if (thrown instanceof Error) {
		// Errors of the database or of Directus itself keep their stack; an operation's lose it.
		if (thrown.stack !== undefined && !(isDirectusError(thrown) && thrown.status < 500 && thrown.code === 'FAILED_VALIDATION')) return null;
		return bounded(thrown.message);
	}
	if (typeof thrown === 'string') return bounded(thrown);
	if (thrown && typeof thrown === 'object' && typeof (thrown as { message?: unknown }).message === 'string') return bounded((thrown as { message: string }).message);
	return DEFAULT_MESSAGE;
}

function bounded(message: string): string {
	const text = message.trim() || DEFAULT_MESSAGE;
	return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}
