// Keeps a webhook's failure state and raises its alerts (webhook-alerts): failing (the first failure
// after a success), a warning halfway to WEBHOOKS_DISABLE_AFTER, a delivery out of retries,
// disabled (410 Gone, or failing for longer than WEBHOOKS_DISABLE_AFTER), recovered.
// Several instances share the database: each alert is a conditional UPDATE, and only the instance
// whose UPDATE changed the row raises it, so it is raised once. Notifications are bounded to one of
// each kind per run of failures (warned_at, exhausted_at, cleared on recovery); an exhausted
// delivery's event still goes to alert webhooks every time.
import type { Knex } from 'knex';
import { OUTGOING_COLLECTION } from '../../../shared/collections';
import type { Logger } from '../../lib/logger';
import type { DeliveryStore } from '../queue/delivery-store';
import type { Failure, WebhookHealth } from './dispatcher';
import type { WebhookAlerts } from './webhook-alerts';
import type { RegisteredWebhook, WebhookRegistry } from '../config/webhook-registry';

const DAY_MS = 86_400_000;

export class WebhookHealthTracker implements WebhookHealth {
	private readonly knex: Knex;
	private readonly registry: WebhookRegistry;
	private readonly store: DeliveryStore;
	private readonly alerts: WebhookAlerts;
	private readonly disableAfterMs: number;
	private readonly logger: Pick<Logger, 'warn'>;
	/** Webhooks this instance already warned or told of exhausted retries in their current run: no UPDATE per failure. */
	private readonly warned = new Set<number>();
	private readonly exhausted = new Set<number>();

	constructor(parts: { knex: Knex; registry: WebhookRegistry; store: DeliveryStore; alerts: WebhookAlerts; disableAfterMs: number; logger: Pick<Logger, 'warn'> }) {
		this.knex = parts.knex;
		this.registry = parts.registry;
		this.store = parts.store;
		this.alerts = parts.alerts;
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
		await this.alerts.raise({
			event: 'webhook.disabled',
			webhook,
			at: Date.now(),
			since: webhook.failingSince,
			error: reason,
			notice: { subject: `Webhook "${webhook.name}" was disabled`, message: `The webhook "${webhook.name}" was disabled: ${reason}. Fix the receiver, then set it active again.` },
		});
	}

	async failed(webhook: RegisteredWebhook, failure: Failure): Promise<void> {
		const { at } = failure;
		// Read once: a success recorded while this waits on the database clears the webhook's state,
		// and this failure's run must not then start at 0 (it would disable the webhook at once).
		let since = webhook.failingSince;
		if (since === null) {
			since = at;
			webhook.failingSince = at;
			this.forget(webhook.id);
			const changed = await this.knex(OUTGOING_COLLECTION).where({ id: webhook.id }).whereNull('failing_since').update({ failing_since: at });
			if (Number(changed) > 0) {
				await this.alerts.raise({
					event: 'webhook.failing',
					webhook,
					at,
					since: at,
					error: failure.error,
					notice: { subject: `Webhook "${webhook.name}" is failing`, message: `Deliveries of the webhook "${webhook.name}" started failing: ${failure.error}. They are tried again; admins are told when it recovers.` },
				});
			}
		}
		if (failure.final) await this.deliveryExhausted(webhook, failure, since);
		if (at - since >= this.disableAfterMs) {
			const days = Math.round((this.disableAfterMs / DAY_MS) * 10) / 10;
			await this.disable(webhook, `every delivery failed for ${days} day(s) since ${new Date(since).toISOString()}`);
		} else if (at - since >= this.disableAfterMs / 2) {
			await this.warn(webhook, at, since);
		}
	}

	async succeeded(webhook: RegisteredWebhook): Promise<void> {
		const since = webhook.failingSince;
		webhook.failingSince = null;
		this.forget(webhook.id);
		const changed = await this.knex(OUTGOING_COLLECTION)
			.where({ id: webhook.id })
			.whereNotNull('failing_since')
			.update({ failing_since: null, warned_at: null, exhausted_at: null });
		if (Number(changed) === 0) return;
		await this.alerts.raise({
			event: 'webhook.recovered',
			webhook,
			at: Date.now(),
			since,
			notice: { subject: `Webhook "${webhook.name}" recovered`, message: `Deliveries of the webhook "${webhook.name}" succeed again${since === null ? '' : ` (failing since ${new Date(since).toISOString()})`}.` },
		});
	}

	/** Every exhausted delivery is an event; admins are notified of the first in a run of failures. */
	private async deliveryExhausted(webhook: RegisteredWebhook, failure: Failure, since: number): Promise<void> {
		let first = false;
		if (!this.exhausted.has(webhook.id)) {
			this.exhausted.add(webhook.id);
			const changed = await this.knex(OUTGOING_COLLECTION).where({ id: webhook.id }).whereNull('exhausted_at').update({ exhausted_at: failure.at });
			first = Number(changed) > 0;
		}
		await this.alerts.raise({
			event: 'delivery.exhausted',
			webhook,
			at: failure.at,
			since,
			error: failure.error,
			delivery: failure.delivery,
			notice: first
				? { subject: `Webhook "${webhook.name}": a delivery ran out of retries`, message: `Delivery ${failure.delivery} of the webhook "${webhook.name}" failed after its last retry: ${failure.error}. Resend it from the delivery log once the receiver works; further ones are not notified until the webhook recovers.` }
				: null,
		});
	}

	/** Halfway to the auto-disable: admins are warned once per run of failures. */
	private async warn(webhook: RegisteredWebhook, at: number, since: number): Promise<void> {
		if (this.warned.has(webhook.id)) return;
		this.warned.add(webhook.id);
		const changed = await this.knex(OUTGOING_COLLECTION).where({ id: webhook.id }).whereNotNull('failing_since').whereNull('warned_at').update({ warned_at: at });
		if (Number(changed) === 0) return;
		await this.alerts.notify(webhook, {
			subject: `Webhook "${webhook.name}" will be disabled soon`,
			message: `Every delivery of the webhook "${webhook.name}" has failed since ${new Date(since).toISOString()}. Unless one succeeds, it is disabled at ${new Date(since + this.disableAfterMs).toISOString()}.`,
		});
	}

	private forget(webhook: number): void {
		this.warned.delete(webhook);
		this.exhausted.delete(webhook);
	}
}
