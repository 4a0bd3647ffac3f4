// A debounced webhook's open window: the one outbox row its matching events are added to until no
// new event has come for `debounce_seconds` (or `debounce_max_seconds` after the first), then sent
// as one delivery. This file is the window's data: what an event adds and when the row is due.
import { BATCH_EVENT, type WebhookAction } from '../../../shared/webhook';
import { READERS_BEFORE } from '../capture/prior-access';
import { messageId } from './message-id';

/** Entries listed in a window; more are counted but not listed (`truncated`). */
export const MAX_WINDOW_ENTRIES = 1000;
/**
 * Keys listed in a window, all entries together; more are counted but not listed (`truncated`).
 * Every event rewrites the window's row, so its size is paid on each write of an import.
 */
export const MAX_WINDOW_KEYS = 1000;

/** One item event for a debounced webhook, as the capture hands it to the outbox. */
export interface WindowEvent {
	webhook: number;
	debounceMs: number;
	maxMs: number;
	entry: WindowEntry;
	/** The webhook delivers in order: its windows go one after another. */
	ordered?: boolean;
}

export interface WindowEntry {
	event: string;
	collection: string;
	action: WebhookAction;
	keys: (string | number)[];
	/** For a webhook with non-admin owners: per key, who could read it before the write (prior-access). */
	[READERS_BEFORE]?: Record<string, string[]>;
}

/** A window's event_data. */
export interface WindowData {
	event: typeof BATCH_EVENT;
	/** Item changes in the window, listed or not. */
	count: number;
	events: WindowEntry[];
	truncated?: true;
}

export function isWindowEvent(row: object): row is WindowEvent {
	return 'entry' in row;
}

/**
 * Adds events to a window's data (a new window when `data` is null), in place. An event like the
 * last one listed (a batch write emits one per item) adds its keys to that entry:
 * `[{ event, keys: [1…500] }]`.
 */
export function addToWindow(data: WindowData | null, entries: WindowEntry[]): WindowData {
	const window: WindowData = data ?? { event: BATCH_EVENT, count: 0, events: [] };
	let listed = window.events.reduce((sum, entry) => sum + entry.keys.length, 0);
	for (const entry of entries) {
		window.count += entry.keys.length;
		const keys = entry.keys.slice(0, Math.max(0, MAX_WINDOW_KEYS - listed));
		const last = window.events.at(-1);
		const joins = last !== undefined && last.event === entry.event && last.collection === entry.collection;
		const fits = joins || window.events.length < MAX_WINDOW_ENTRIES;
		if (keys.length < entry.keys.length || !fits) window.truncated = true;
		if (keys.length === 0 || !fits) continue;
		listed += keys.length;
		if (!joins) {
			window.events.push({ ...entry, keys });
			continue;
		}
		// Pushed, not copied: a batch write of n items joins n events into one entry.
		last.keys.push(...keys);
		const before = entry[READERS_BEFORE];
		if (before) last[READERS_BEFORE] = Object.assign(last[READERS_BEFORE] ?? {}, before);
	}
	return window;
}

/** When the window is sent: a quiet spell after the last event, never later than the cap after the first. */
export function windowDueAt(openedAt: number, now: number, debounceMs: number, maxMs: number): number {
	return Math.min(now + debounceMs, openedAt + Math.max(maxMs, debounceMs));
}

/** A new window's outbox row (its event_data as text), pending and due at `due`. */
export function windowRow(webhook: number, data: WindowData, now: number, due: number): Record<string, unknown> {
	return {
		webhook,
		message_id: messageId(now),
		event: BATCH_EVENT,
		collection: null,
		item_key: null,
		event_data: JSON.stringify(data),
		status: 'pending',
		attempts: 0,
		next_attempt_at: due,
		created_at: now,
	};
}

/** The unique key of a webhook's open window (one at a time). */
export function windowKey(webhook: number): string {
	return `window:${webhook}`;
}

/** Reads stored window data, or null when it is not a window's. */
export function windowData(value: unknown): WindowData | null {
	if (!value || typeof value !== 'object') return null;
	const data = value as Partial<WindowData>;
	if (data.event !== BATCH_EVENT || !Array.isArray(data.events) || typeof data.count !== 'number') return null;
	return data as WindowData;
}
