import { defineEndpoint } from '@directus/extensions-sdk';
import { registerEndpointRoutes } from '../api/controllers/endpoints-controller';
import { registerWebhookRoutes } from '../api/controllers/webhooks-controller';

export default defineEndpoint({
	id: 'webhooks',
	handler: (router, context) => {
		// /endpoints first: /:id would otherwise take "endpoints" for a webhook id.
		registerEndpointRoutes(router, context);
		registerWebhookRoutes(router, context);
	},
});
