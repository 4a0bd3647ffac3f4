// The Insights panel: webhook activity on a dashboard, from the same /webhooks/stats as the module.
import { definePanel } from '@directus/extensions-sdk';
import { TEXTS } from '../app/texts';
import ActivityPanel from './activity-panel.vue';

export default definePanel({
	id: 'webhooks-activity',
	name: 'Webhook activity',
	icon: 'webhook',
	description: 'Outgoing deliveries by outcome and incoming requests over time',
	component: ActivityPanel,
	options: [
		{
			field: 'hours',
			name: 'Hours',
			type: 'integer',
			meta: { interface: 'input', width: 'half', options: { min: 1, max: 744 } },
			schema: { default_value: 24 },
		},
		{
			field: 'show',
			name: 'Show',
			type: 'string',
			meta: {
				interface: 'select-dropdown',
				width: 'half',
				options: { choices: [{ text: 'Everything', value: 'all' }, { text: TEXTS.deliveries, value: 'outgoing' }, { text: TEXTS.inbound, value: 'incoming' }] },
			},
			schema: { default_value: 'all' },
		},
		{ field: 'webhook', name: 'Only this webhook (id)', type: 'integer', meta: { interface: 'input', width: 'half' } },
		{ field: 'endpoint', name: 'Only this endpoint (id)', type: 'integer', meta: { interface: 'input', width: 'half' } },
	],
	minWidth: 12,
	minHeight: 8,
});
