// Listens to item events and hands matching webhooks' deliveries to the outbox: one delivery
// per webhook and item, so batch writes fire once per item.
import type { WebhookAction } from '../../../shared/webhook';
import type { NewDelivery } from '../queue/delivery-store';
import type { Outbox } from '../queue/outbox';
import type { PreviousValues } from './previous-values';
import { messageId } from '../queue/message-id';
import type { RegisteredWebhook, WebhookRegistry } from '../config/webhook-registry';

export interface ItemEvent {
	action: WebhookAction;
	collection: string;
	keys: (string | number)[];
	payload: unknown;
	accountability: { user?: string | null; role?: string | null } | null;
}

export class EventCapture {
	private readonly registry: WebhookRegistry;
	private readonly outbox: Outbox;
	private readonly previous: PreviousValues;

	constructor(registry: WebhookRegistry, outbox: Outbox, previous: PreviousValues) {
		this.registry = registry;
		this.outbox = outbox;
		this.previous = previous;
	}

	/** Whether any active webhook wants previous values for this event (read before the write). */
	wantsPrevious(collection: string, action: WebhookAction): boolean {
		return this.registry.match(collection, action).some((webhook) => webhook.includePrevious);
	}

	capture(event: ItemEvent): void {
		const webhooks = this.registry.match(event.collection, event.action).filter((webhook) => fires(webhook, event));
		if (webhooks.length === 0) return;
		const previous = this.previous.take(event.collection, event.keys);
		const accountability = event.accountability ? { user: event.accountability.user ?? null, role: event.accountability.role ?? null } : null;
		const rows: NewDelivery[] = [];
		for (const key of event.keys) {
			const base = {
				event: `${event.collection}.items.${event.action}`,
				accountability,
				// Delete events carry the keys as payload; per item that is the key itself.
				payload: event.action === 'delete' ? null : event.payload,
				...(event.action === 'create' ? { key } : { keys: [key] }),
				collection: event.collection,
				action: event.action,
			};
			const before = previous.get(String(key));
			for (const webhook of webhooks) {
				rows.push({
					webhook: webhook.id,
					message_id: messageId(),
					event: base.event,
					collection: event.collection,
					item_key: String(key),
					event_data: webhook.includePrevious && before ? { ...base, previous: before } : base,
				});
			}
		}
		this.outbox.add(rows);
	}
}

/** "Only when these fields change": an update fires when its payload touches a watched field. */
function fires(webhook: RegisteredWebhook, event: ItemEvent): boolean {
	if (event.action !== 'update' || webhook.watchFields.length === 0) return true;
	if (!event.payload || typeof event.payload !== 'object') return false;
	return Object.keys(event.payload).some((field) => webhook.watchFields.includes(field));
}
