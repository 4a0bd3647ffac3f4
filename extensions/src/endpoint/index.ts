// The bundle's endpoint: mounts the REST routes at /webhooks. The logic lives in api/.
import { defineEndpoint } from '@directus/extensions-sdk';
import { registerActivityRoutes } from '../api/activity/activity-controller';
import { registerMetricsRoutes } from '../api/metrics/metrics-controller';
import { registerEndpointRoutes } from '../api/inbound/config/endpoints-controller';
import { registerWebhookRoutes } from '../api/outbound/config/webhooks-controller';

export default defineEndpoint({
	id: 'webhooks',
	handler: (router, context) => {
		// Named routes first: /:id would otherwise take "endpoints", "stats" or "metrics" for a webhook id.
		registerActivityRoutes(router, context);
		registerMetricsRoutes(router, context);
		registerEndpointRoutes(router, context);
		registerWebhookRoutes(router, context);
	},
});
