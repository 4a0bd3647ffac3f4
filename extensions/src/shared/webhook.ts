// Outgoing webhook configuration: the legacy Directus webhook object plus this extension's
// options. Shared by the API and the app, so no Node imports here.

export const WEBHOOK_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/**
 * promote: a content version published into its item (Directus 12); upload: a file's content stored
 * (directus_files); alert: this extension's alerts about outgoing webhooks (on webhooks_outgoing only).
 */
export const WEBHOOK_ACTIONS = ['create', 'update', 'delete', 'promote', 'upload', 'alert'] as const;
/** The collection whose items are uploaded; `upload` happens nowhere else. */
export const FILES_COLLECTION = 'directus_files';
/** The actions whose body names one item as `key` (the others send `keys`, as legacy Directus did). */
export const SINGLE_KEY_ACTIONS: readonly string[] = ['create', 'promote', 'upload'];
export const WEBHOOK_STATUSES = ['active', 'inactive'] as const;
/** event: the legacy body `{ event, accountability, payload, key | keys, collection }`; item: the item read at delivery time. */
export const PAYLOAD_MODES = ['event', 'item'] as const;

export type WebhookMethod = (typeof WEBHOOK_METHODS)[number];
export type WebhookAction = (typeof WEBHOOK_ACTIONS)[number];
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];
export type PayloadMode = (typeof PAYLOAD_MODES)[number];

export interface WebhookHeader {
	header: string;
	value: string;
	/** Masked when read back. */
	secret?: boolean;
}

export interface Webhook {
	id: number;
	name: string;
	description: string | null;
	method: WebhookMethod;
	url: string;
	status: WebhookStatus;
	data: boolean;
	actions: WebhookAction[];
	collections: string[];
	headers: WebhookHeader[];
	filter: Record<string, unknown> | null;
	/** Transitions: an update fires only for items that matched these rules just before it (updates only). */
	previous_filter: Record<string, unknown> | null;
	watch_fields: string[] | null;
	fields: string[] | null;
	payload: PayloadMode;
	item_role: string | null;
	include_previous: boolean;
	/** Child-collection events of one request on a parent (O2M/M2M edits) go as one delivery of the parent, listing the children's keys. */
	group_nested: boolean;
	/** While inactive, matching events are still recorded (as skipped, not sent) so they can be sent later (replay-missed). */
	record_while_inactive: boolean;
	/** The body as a `{{ }}` template (null: the default body); see shared/template. */
	body_template: string | null;
	content_type: string;
	/** 0: every event is its own delivery; more: events are coalesced until this long a quiet spell. */
	debounce_seconds: number;
	/** A debounced delivery goes at the latest this long after the window's first event (null: 10x debounce_seconds). */
	debounce_max_seconds: number | null;
	/** The receiver shape the webhook started from (shared/webhook-presets). */
	preset: string | null;
	/** At most this many requests per second across all instances (null: no limit); more wait, none are dropped. */
	rate_limit_per_second: number | null;
	/** Deliveries of one item go one at a time, in the order their events were committed. */
	ordered: boolean;
	/** Always masked on read; the clear value appears once, in the create or rotate response. */
	secret: string;
	disabled_reason: string | null;
	/** Epoch ms of the first failure of the current run of failures. */
	failing_since: number | null;
	/** Epoch ms admins were warned of the coming auto-disable in this run of failures (null: not yet). */
	warned_at: number | null;
	/** Epoch ms admins were told of a delivery's exhausted retries in this run of failures (null: not yet). */
	exhausted_at: number | null;
	date_created: string | null;
	date_updated: string | null;
}

export const WRITABLE_FIELDS = [
	'name', 'description', 'method', 'url', 'status', 'data', 'actions', 'collections', 'headers',
	'filter', 'previous_filter', 'watch_fields', 'fields', 'payload', 'item_role', 'include_previous',
	'body_template', 'content_type', 'debounce_seconds', 'debounce_max_seconds', 'preset', 'group_nested',
	'record_while_inactive', 'rate_limit_per_second', 'ordered',
] as const;
export const READONLY_FIELDS = ['id', 'secret', 'secret_unseen', 'disabled_reason', 'failing_since', 'warned_at', 'exhausted_at', 'date_created', 'date_updated', 'throttle_next_slot'] as const;

export type WebhookInput = Partial<Pick<Webhook, (typeof WRITABLE_FIELDS)[number]>> & { secret?: string };

export interface FieldError {
	field: string;
	reason: string;
}

export const MASK = '**********';

export const WEBHOOK_DEFAULTS = {
	method: 'POST',
	status: 'active',
	data: true,
	headers: [],
	filter: null,
	previous_filter: null,
	watch_fields: null,
	fields: null,
	payload: 'event',
	item_role: null,
	include_previous: false,
	group_nested: false,
	record_while_inactive: true,
	description: null,
	body_template: null,
	content_type: 'application/json',
	debounce_seconds: 0,
	debounce_max_seconds: null,
	preset: null,
	rate_limit_per_second: null,
	ordered: false,
} as const;

/** The highest rate_limit_per_second accepted. */
export const MAX_RATE_LIMIT_PER_SECOND = 10_000;

/** How much later than the quiet spell a debounced delivery may go at most, by default. */
export const DEBOUNCE_MAX_FACTOR = 10;

/** The events a manual send, a coalesced window and a test carry. */
export const MANUAL_EVENT = 'webhook.manual';
export const BATCH_EVENT = 'webhook.batch';
export const TEST_EVENT = 'webhook.test';

/**
 * Webhook alerts: events about the outgoing webhooks themselves (see api/outbound/worker/webhook-alerts).
 * A webhook receives them with the action `alert` on `webhooks_outgoing`, the only pair either allows.
 */
export const ALERT_ACTION = 'alert';
export const ALERT_EVENTS = ['webhook.failing', 'webhook.recovered', 'webhook.disabled', 'delivery.exhausted'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];
