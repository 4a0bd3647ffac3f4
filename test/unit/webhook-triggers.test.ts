// The drawer's "When" choices: the fields each fills, and the choice a webhook's fields show.
import { describe, expect, it } from 'vitest';
import { NEW_USER_FILTER, TRIGGERS, WEBHOOK_TRIGGERS, triggerFields, triggerOf } from '../../extensions/src/shared/webhook-triggers';
import { validateWebhook } from '../../extensions/src/shared/validate-webhook';

describe('webhook triggers', () => {
	it('fills files and users choices with their collection, action and filter', () => {
		expect(triggerFields('file-uploaded', {})).toEqual({ actions: ['upload'], collections: ['directus_files'], filter: null });
		expect(triggerFields('user-registered', {})).toEqual({ actions: ['create'], collections: ['directus_users'], filter: NEW_USER_FILTER });
	});

	it('fills webhook alerts with the alert action on the outgoing webhooks, which an item choice drops again', () => {
		expect(triggerFields('webhook-alerts', { collections: ['articles'] })).toEqual({ actions: ['alert'], collections: ['webhooks_outgoing'], filter: null });
		expect(triggerFields('item-created', { collections: ['webhooks_outgoing'] })).toEqual({ actions: ['create'], collections: [], filter: null });
	});

	it('keeps the admin\'s own collections for an item choice, dropping those a file or user choice put there', () => {
		expect(triggerFields('item-published', { collections: ['articles', 'directus_files'], filter: NEW_USER_FILTER })).toEqual({ actions: ['promote'], collections: ['articles'], filter: null });
	});

	it('keeps a filter of the admin\'s own unless the choice brings one', () => {
		const own = { price: { _gt: 10 } };
		expect(triggerFields('item-updated', { collections: ['articles'], filter: own })).toEqual({ actions: ['update'], collections: ['articles'] });
		expect(triggerFields('user-registered', { filter: own }).filter).toEqual(NEW_USER_FILTER);
	});

	it('shows the choice a webhook\'s fields make, and none for several actions', () => {
		for (const trigger of WEBHOOK_TRIGGERS) expect(triggerOf(triggerFields(trigger, { collections: ['articles'] }))).toBe(trigger);
		expect(triggerOf({ actions: ['create'], collections: ['directus_users'], filter: null })).toBe('item-created');
		expect(triggerOf({ actions: ['create', 'update'], collections: ['articles'] })).toBeNull();
	});

	it('fills only what the server accepts', () => {
		const collections = ['articles', 'directus_files', 'directus_users'];
		for (const trigger of WEBHOOK_TRIGGERS) {
			const fields = triggerFields(trigger, { collections: ['articles'] });
			const result = validateWebhook({ name: TRIGGERS[trigger].label, url: 'https://example.com/hook', ...fields }, { mode: 'create', collections });
			expect(result.ok, `${trigger}: ${JSON.stringify(result)}`).toBe(true);
		}
	});
});
