// The Flow operation "Send webhook (managed)", app side: the options a Flow author fills in and
// what the Flow canvas shows. Sending is the API side's (api.ts).
import { defineOperationApp } from '@directus/extensions-sdk';
import { OUTGOING_COLLECTION } from '../shared/collections';
import { pickedWebhook, SEND_OPERATION_ID } from '../shared/flow-send';

// What the body editor offers: Flow data Directus fills in before the operation runs.
const BODY_EXAMPLE = JSON.stringify({ keys: '{{$trigger.body.keys}}', result: '{{$last}}' }, null, 2);

export default defineOperationApp({
	id: SEND_OPERATION_ID,
	name: 'Send webhook (managed)',
	icon: 'send',
	description: 'Send a managed outgoing webhook now: signed, retried and logged (event webhook.manual)',
	overview: ({ webhook, body }) => {
		const key = pickedWebhook(webhook);
		const empty = body === undefined || body === null || body === '' || (typeof body === 'object' && Object.keys(body).length === 0);
		return [
			{ label: 'Webhook', text: key === undefined || key === null || key === '' ? '—' : `#${String(key)}` },
			{ label: 'Body', text: empty ? 'None' : 'Set' },
		];
	},
	options: [
		{
			field: 'webhook',
			name: 'Webhook',
			type: 'json',
			meta: {
				width: 'full',
				required: true,
				interface: 'collection-item-dropdown',
				options: { selectedCollection: OUTGOING_COLLECTION },
				note: 'Whoever runs the Flow needs update permission on this webhook; Flows without a user (schedules) may send any.',
			},
		},
		{
			field: 'body',
			name: 'Body',
			type: 'json',
			meta: {
				width: 'full',
				interface: 'input-code',
				options: { language: 'json', placeholder: BODY_EXAMPLE, template: BODY_EXAMPLE },
				note: 'Optional: sent as the payload of the webhook.manual event. Flow data such as {{$trigger}} or {{$last}} is filled in.',
			},
		},
	],
});
