// A webhook's failure state (webhook-health) on a real SQLite database: the dispatcher reports
// outcomes without waiting, so a failure and a success of one webhook can be recorded at the same
// time, and neither may read the other's half-written state.
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUTGOING_COLLECTION } from '../../extensions/src/shared/collections';
import type { RegisteredWebhook, WebhookRegistry } from '../../extensions/src/api/outbound/config/webhook-registry';
import type { DeliveryStore } from '../../extensions/src/api/outbound/queue/delivery-store';
import type { WebhookAlerts } from '../../extensions/src/api/outbound/worker/webhook-alerts';
import { WebhookHealthTracker } from '../../extensions/src/api/outbound/worker/webhook-health';
import { outboxDatabase } from './outbox-database';

const HOUR_MS = 3_600_000;

describe('webhook health', () => {
	let db: Knex;
	let raised: string[];
	let tracker: WebhookHealthTracker;
	let webhook: RegisteredWebhook;

	beforeEach(async () => {
		db = await outboxDatabase();
		const [id] = await db(OUTGOING_COLLECTION).insert({ name: 'flaky receiver', status: 'active', url: 'https://example.com/hook', actions: 'create', collections: 'articles' });
		webhook = { id: Number(id), name: 'flaky receiver', active: true, failingSince: null } as RegisteredWebhook;
		raised = [];
		const alerts = { raise: async (alert: { event: string }) => void raised.push(alert.event), notify: async () => void raised.push('notice') } as unknown as WebhookAlerts;
		tracker = new WebhookHealthTracker({
			knex: db,
			registry: { reload: async () => undefined } as unknown as WebhookRegistry,
			store: { skipPending: async () => 0 } as unknown as DeliveryStore,
			alerts,
			disableAfterMs: 24 * HOUR_MS,
			logger: { warn: () => undefined },
		});
	});

	afterEach(async () => {
		await db.destroy();
	});

	const stored = () => db(OUTGOING_COLLECTION).first('status', 'disabled_reason', 'failing_since').where({ id: webhook.id });

	it('does not disable a webhook whose first failure is recorded while a success of it is', async () => {
		const failing = tracker.failed(webhook, { at: Date.now(), error: 'HTTP 500', delivery: 1, final: false });
		const recovering = tracker.succeeded(webhook);
		await Promise.all([failing, recovering]);
		const row = await stored();
		expect(row.status).toBe('active');
		expect(row.disabled_reason).toBeNull();
		expect(raised).not.toContain('webhook.disabled');
		expect(webhook.active).toBe(true);
	});

	it('disables a webhook once every delivery has failed for longer than the limit', async () => {
		const start = Date.now() - 25 * HOUR_MS;
		await tracker.failed(webhook, { at: start, error: 'HTTP 500', delivery: 1, final: false });
		await tracker.failed(webhook, { at: Date.now(), error: 'HTTP 500', delivery: 2, final: false });
		const row = await stored();
		expect(row.status).toBe('inactive');
		expect(row.disabled_reason).toContain(new Date(start).toISOString());
		expect(raised).toEqual(['webhook.failing', 'webhook.disabled']);
	});
});
