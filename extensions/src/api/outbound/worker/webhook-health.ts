// Keeps a webhook's failure state: when its failures started, and disabling it (410 Gone, or
// failing for longer than WEBHOOKS_DISABLE_AFTER) with a notice to admins.
import type { Knex } from 'knex';
import { OUTGOING_COLLECTION } from '../../../shared/collections';
import type { AdminNotifier } from '../../lib/admin-notifier';
import type { Logger } from '../../lib/logger';
import type { DeliveryStore } from '../queue/delivery-store';
import type { WebhookHealth } from './dispatcher';
import type { RegisteredWebhook, WebhookRegistry } from '../config/webhook-registry';

export class WebhookHealthTracker implements WebhookHealth {
	private readonly knex: Knex;
	private readonly registry: WebhookRegistry;
	private readonly store: DeliveryStore;
	private readonly notifier: AdminNotifier;
	private readonly disableAfterMs: number;
	private readonly logger: Pick<Logger, 'warn'>;

	constructor(parts: { knex: Knex; registry: WebhookRegistry; store: DeliveryStore; notifier: AdminNotifier; disableAfterMs: number; logger: Pick<Logger, 'warn'> }) {
		this.knex = parts.knex;
		this.registry = parts.registry;
		this.store = parts.store;
		this.notifier = parts.notifier;
		this.disableAfterMs = parts.disableAfterMs;
		this.logger = parts.logger;
	}

	async disable(webhook: RegisteredWebhook, reason: string): Promise<void> {
		const changed = await this.knex(OUTGOING_COLLECTION)
			.where({ id: webhook.id, status: 'active' })
			.update({ status: 'inactive', disabled_reason: reason });
		webhook.active = false;
		if (Number(changed) === 0) return; // another instance got there first
		this.logger.warn({ webhook: webhook.id }, `[webhooks] disabled webhook "${webhook.name}": ${reason}`);
		await this.store.skipPending(webhook.id, `not sent: the webhook was disabled (${reason})`);
		await this.registry.reload();
		await this.notifier
			.notify(`Webhook "${webhook.name}" was disabled`, `The webhook "${webhook.name}" was disabled: ${reason}. Fix the receiver, then set it active again.`, OUTGOING_COLLECTION, webhook.id)
			.catch((error) => this.logger.warn(error, '[webhooks] could not notify admins'));
	}

	async failed(webhook: RegisteredWebhook, at: number): Promise<void> {
		if (webhook.failingSince === null) {
			webhook.failingSince = at;
			await this.knex(OUTGOING_COLLECTION).where({ id: webhook.id }).whereNull('failing_since').update({ failing_since: at });
			return;
		}
		if (at - webhook.failingSince >= this.disableAfterMs) {
			const days = Math.round((this.disableAfterMs / 86_400_000) * 10) / 10;
			await this.disable(webhook, `every delivery failed for ${days} day(s) since ${new Date(webhook.failingSince).toISOString()}`);
		}
	}

	async succeeded(webhook: RegisteredWebhook): Promise<void> {
		webhook.failingSince = null;
		await this.knex(OUTGOING_COLLECTION).where({ id: webhook.id }).update({ failing_since: null });
	}
}
