// Shapes of the activity numbers the API serves to the module and the Insights panel.

/** Delivery statuses as the charts group them. */
export const ACTIVITY_OUTCOMES = ['succeeded', 'failed', 'pending', 'skipped'] as const;
export type ActivityOutcome = (typeof ACTIVITY_OUTCOMES)[number];

/** `refused`: inbound calls refused (handshakes not counted), from the refused-request log. */
export type ActivityBucket = { start: number; inbound: number; refused: number } & Record<ActivityOutcome, number>;

export interface WebhookSummary {
	webhook: number;
	deliveries_24h: number;
	/** Succeeded / (succeeded + failed) over the last 24 h, where failed includes deliveries retrying after a failed attempt; null without any. */
	success_rate_24h: number | null;
	last_status: string | null;
	last_response_status: number | null;
	/** Epoch ms of the newest delivery's finish (or creation while unfinished). */
	last_at: number | null;
}
