// When the next group of inbound requests starts writing. Every group is one transaction: its
// round trips and its commit (milliseconds on SQLite, where nothing else can be written
// meanwhile). Starting a group as soon as one request waits splits a steady load into a lone
// request and everyone else: two transactions per round of callers, and on SQLite the lone one's
// commit holds up the rest. Instead, right after a group, wait briefly until as many requests wait as
// were in play when it ended (its callers, who are about to come back, and those already
// waiting), so a round of callers shares one commit. The wait is bounded (a share of what a
// group takes to write), and under light load a request starts at once.

export interface GatheringState {
	waiting: number;
	/** When the oldest waiting request arrived (ms). */
	oldestAt: number;
	/** Requests in play when the last group ended (its own and those waiting then). */
	expected: number;
	/** When the last group ended and how long it took to write (ms). */
	lastEndedAt: number;
	lastDurationMs: number;
	now: number;
}

// No request waits longer than this for others to join its group.
export const MAX_GATHER_MS = 4;
// Nor longer than this share of a group's write: gathering pays only where commits are slow.
const GATHER_SHARE = 0.5;

/** How long the group may still wait for more requests: 0 means start now. */
export function gatherDelay(state: GatheringState): number {
	if (state.waiting === 0) return 0;
	const window = Math.min(MAX_GATHER_MS, state.lastDurationMs * GATHER_SHARE);
	if (state.waiting >= state.expected) return 0;
	// Light load: the oldest request came well after the last group ended, not as its reply.
	if (state.oldestAt - state.lastEndedAt > window) return 0;
	// The window opens when the last group ended (or the oldest request came, if later).
	return Math.max(0, Math.max(state.oldestAt, state.lastEndedAt) + window - state.now);
}
