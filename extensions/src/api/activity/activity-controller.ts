// Activity numbers at /webhooks/stats: for the module's tables and the Insights panel.
import { ActivityService } from './activity-service';
import type { ExtensionContext, Router } from '../context';
import { routeFactory } from '../lib/route';

export function registerActivityRoutes(router: Router, context: ExtensionContext): void {
	const route = routeFactory((options) => new ActivityService({ context, ...options }));

	router.get('/stats/summary', route(async (_req, res, service) => {
		res.json({ data: await service.summaries() });
	}));
	router.get('/stats/activity', route(async (req, res, service) => {
		res.json({ data: await service.timeline(req.query as Record<string, unknown>) });
	}));
}
