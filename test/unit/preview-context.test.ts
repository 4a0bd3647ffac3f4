import { describe, expect, it } from 'vitest';
import { previewContext, sampleItem } from '../../extensions/src/app/preview-context';
import { deliveryContext } from '../../extensions/src/api/outbound/worker/request-template';
import { renderTemplate, templateModeFor } from '../../extensions/src/shared/template';
import { PRESETS } from '../../extensions/src/shared/webhook-presets';

const NOW = new Date('2026-01-02T03:04:05.000Z');
const ITEM = { id: 42, title: 'Quote " and a\nline break' };
const WHO = { user: 'user-1', role: 'role-1' };

function preview(payload: 'event' | 'item', debounce = 0) {
	return previewContext({ webhook: { id: 7, name: 'Orders', payload, debounce_seconds: debounce }, collection: 'orders', item: ITEM, key: 42, accountability: WHO, now: NOW });
}

/** The context the worker builds for a create in `orders`, from the body it would send. */
function delivered(content: Record<string, unknown>) {
	const webhook = { id: 7, name: 'Orders' } as never;
	const delivery = { event: 'orders.items.create', event_data: { action: 'create' }, collection: 'orders', created_at: NOW.getTime() } as never;
	return deliveryContext(webhook, delivery, content, 0);
}

describe('previewContext', () => {
	it('is the context a delivery of a create sees, in event mode (the payload) and item mode (the item)', () => {
		const common = { event: 'orders.items.create', accountability: WHO, key: 42, collection: 'orders' };
		expect(preview('event')).toEqual(delivered({ ...common, payload: ITEM }));
		expect(preview('item')).toEqual(delivered({ ...common, item: ITEM }));
	});

	it('shows a debounced webhook the batch shape, as a delivery of a window sees it', () => {
		const batch = { event: 'webhook.batch', event_data: {}, collection: null, created_at: NOW.getTime() } as never;
		const content = {
			event: 'webhook.batch',
			count: 2,
			events: [
				{ event: 'orders.items.create', collection: 'orders', keys: [42] },
				{ event: 'orders.items.update', collection: 'orders', keys: [42] },
			],
		};
		expect(preview('event', 30)).toEqual(deliveryContext({ id: 7, name: 'Orders' } as never, batch, content, 0));
		expect(preview('event', 30)).toMatchObject({ ...content, webhook: { id: 7, name: 'Orders' }, timestamp: NOW.toISOString() });
	});

	it('renders the Slack preset to valid JSON with the item escaped inside the text', () => {
		const { body_template, content_type } = PRESETS.slack.fields;
		const body = JSON.parse(renderTemplate(body_template!, preview('event'), templateModeFor(content_type)));
		expect(body).toEqual({ text: `orders.items.create in orders ([42]): ${JSON.stringify(ITEM)}` });
	});

	it('offers a sample item keyed by the primary key', () => {
		expect(sampleItem('uuid')).toEqual({ uuid: 1, title: 'Sample item' });
	});
});
