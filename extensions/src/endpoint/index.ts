import { defineEndpoint } from '@directus/extensions-sdk';
import { registerWebhookRoutes } from '../api/controllers/webhooks-controller';

export default defineEndpoint({
	id: 'webhooks',
	handler: (router, context) => {
		registerWebhookRoutes(router, context);
	},
});
