// REST API for outgoing webhooks at /webhooks, shaped like the legacy Directus webhooks API.
import { ForbiddenError } from '@directus/errors';
import { OUTGOING_COLLECTION } from '../../shared/collections';
import type { Accountability, ExtensionContext, Router, SchemaOverview } from '../context';

interface AccountableRequest {
	accountability?: Accountability | null;
	schema: SchemaOverview;
}

export function registerWebhookRoutes(router: Router, context: ExtensionContext): void {
	router.get('/', async (req, res, next) => {
		try {
			const { accountability, schema } = req as unknown as AccountableRequest;
			if (accountability?.admin !== true) throw new ForbiddenError();
			const { ItemsService } = context.services;
			const items = new ItemsService(OUTGOING_COLLECTION, { knex: context.database, schema, accountability });
			res.json({ data: await items.readByQuery({ limit: -1 }) });
		} catch (error) {
			next(error);
		}
	});
}
