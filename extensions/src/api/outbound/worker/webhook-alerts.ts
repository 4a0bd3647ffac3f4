// Webhook alerts: what happened to a webhook (failing, recovered, disabled, a delivery out of
// retries) told to admins as a Directus notification and, as an event in the outbox, to every
// active webhook that chose "Webhook alerts". webhook-health decides that an alert happened, once
// across instances; this file only tells it.
// No chain: alerts about an alert webhook (itself or another) go to no webhook, only to admins'
// notifications, so a failing alert receiver can never cause deliveries that fail and alert again.
import { OUTGOING_COLLECTION } from '../../../shared/collections';
import { ALERT_ACTION, type AlertEvent } from '../../../shared/webhook';
import type { AdminNotifier } from '../../lib/admin-notifier';
import type { Logger } from '../../lib/logger';
import type { NewDelivery } from '../queue/delivery-store';
import { messageId } from '../queue/message-id';
import type { RegisteredWebhook, WebhookRegistry } from '../config/webhook-registry';

export interface Alert {
	event: AlertEvent;
	webhook: RegisteredWebhook;
	at: number;
	/** When the current run of failures began. */
	since?: number | null;
	/** The last error, or why the webhook was disabled. Never headers, secrets or the URL. */
	error?: string | null;
	/** The delivery out of retries. */
	delivery?: number | null;
	/** The admins' notification; null: the event only (see webhook-health on bounding notifications). */
	notice: Notice | null;
}

export interface Notice {
	subject: string;
	message: string;
}

export class WebhookAlerts {
	private readonly registry: WebhookRegistry;
	private readonly outbox: { add(entries: NewDelivery[]): void };
	private readonly notifier: AdminNotifier;
	private readonly logger: Pick<Logger, 'warn'>;

	constructor(parts: { registry: WebhookRegistry; outbox: { add(entries: NewDelivery[]): void }; notifier: AdminNotifier; logger: Pick<Logger, 'warn'> }) {
		this.registry = parts.registry;
		this.outbox = parts.outbox;
		this.notifier = parts.notifier;
		this.logger = parts.logger;
	}

	async raise(alert: Alert): Promise<void> {
		// Active ones only: an inactive webhook's record of what it missed is for item events (an old alert is no news).
		const targets = isAlertWebhook(alert.webhook) ? [] : this.registry.match(OUTGOING_COLLECTION, ALERT_ACTION).filter((target) => target.active && target.id !== alert.webhook.id);
		if (targets.length > 0) {
			const data = alertBody(alert);
			this.outbox.add(targets.map((target) => ({ webhook: target.id, message_id: messageId(), event: alert.event, collection: null, item_key: null, event_data: data })));
		}
		if (alert.notice) await this.notify(alert.webhook, alert.notice);
	}

	/** A notification to admins alone (the warning before an auto-disable is no event). */
	async notify(webhook: RegisteredWebhook, notice: Notice): Promise<void> {
		await this.notifier.notify(notice.subject, notice.message, OUTGOING_COLLECTION, webhook.id).catch((error) => this.logger.warn(error, '[webhooks] could not notify admins'));
	}
}

/** A webhook that receives alerts. */
export function isAlertWebhook(webhook: Pick<RegisteredWebhook, 'actions'>): boolean {
	return webhook.actions.includes(ALERT_ACTION);
}

/** The event's body: the webhook by id and name only (its URL may hold a token in its query). */
function alertBody(alert: Alert): Record<string, unknown> {
	const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
	return {
		event: alert.event,
		webhook: { id: alert.webhook.id, name: alert.webhook.name },
		since: iso(alert.since),
		error: alert.error ?? null,
		delivery: alert.delivery ?? null,
		timestamp: iso(alert.at),
	};
}
