// Delivery and attempt records, as stored in the outbox and returned by the API.

export const DELIVERY_STATUSES = ['pending', 'sending', 'succeeded', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Delivery {
	id: number;
	webhook: number;
	/** The Standard Webhooks `webhook-id`: the same on every attempt of this delivery. */
	message_id: string;
	event: string;
	collection: string | null;
	item_key: string | null;
	/** The event as captured; the body is built from it when sending. */
	event_data: Record<string, unknown>;
	status: DeliveryStatus;
	attempts: number;
	/** Epoch milliseconds of the next attempt while pending. */
	next_attempt_at: number | null;
	last_status: number | null;
	last_error: string | null;
	created_at: number;
	finished_at: number | null;
}

/** How far ahead the app looks for a delivery about to change status on its own. */
export const SETTLES_SOON_MS = 60_000;

/**
 * Whether a listed delivery will change status soon without anyone acting: being sent, or due within
 * SETTLES_SOON_MS. The delivery log refreshes itself while one does, and not for a retry hours away.
 */
export function settlesSoon(delivery: { status?: string; next_attempt_at?: number | string | null }, now: number): boolean {
	if (delivery.status === 'sending') return true;
	if (delivery.status !== 'pending') return false;
	// Numbers come back as strings from bigint columns on some databases.
	const due = Number(delivery.next_attempt_at ?? now);
	return !Number.isFinite(due) || due <= now + SETTLES_SOON_MS;
}

export interface Attempt {
	id: number;
	delivery: number;
	webhook: number;
	attempt: number;
	started_at: number;
	duration_ms: number;
	request_url: string;
	request_headers: Record<string, string>;
	request_body: string | null;
	response_status: number | null;
	response_headers: Record<string, string> | null;
	response_body: string | null;
	error: string | null;
}
