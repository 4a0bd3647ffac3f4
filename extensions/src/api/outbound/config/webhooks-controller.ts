// REST API for outgoing webhooks at /webhooks, compatible with the legacy Directus webhooks
// reference ({ data } envelopes), plus deliveries, resend, recover and replay-missed, test, send now
// (trigger) and secret rotation.
import type { ExtensionContext, Router } from '../../context';
import { WebhooksService } from './webhooks-service';
import { useRuntime } from '../../runtime';
import { id, idList, routeFactory } from '../../lib/route';

export function registerWebhookRoutes(router: Router, context: ExtensionContext): void {
	const route = routeFactory((options) => new WebhooksService({ context, runtime: useRuntime(context), ...options }));

	router.get('/', route(async (req, res, service) => {
		res.json({ data: await service.list(req.sanitizedQuery ?? {}) });
	}));
	router.post('/', route(async (req, res, service) => {
		res.json({ data: await service.create(req.body) });
	}));
	router.delete('/', route(async (req, res, service) => {
		await service.delete(idList(req.body, 'webhook'));
		res.status(204).end();
	}));
	router.get('/:id', route(async (req, res, service) => {
		res.json({ data: await service.read(id(req.params.id), req.sanitizedQuery ?? {}) });
	}));
	router.patch('/:id', route(async (req, res, service) => {
		res.json({ data: await service.update(id(req.params.id), req.body) });
	}));
	router.delete('/:id', route(async (req, res, service) => {
		await service.delete([id(req.params.id)]);
		res.status(204).end();
	}));
	router.post('/:id/rotate-secret', route(async (req, res, service) => {
		res.json({ data: await service.rotateSecret(id(req.params.id)) });
	}));
	router.post('/:id/reveal-secret', route(async (req, res, service) => {
		res.json({ data: await service.revealSecret(id(req.params.id)) });
	}));
	router.post('/:id/test', route(async (req, res, service) => {
		res.json({ data: await service.test(id(req.params.id)) });
	}));
	router.post('/:id/trigger', route(async (req, res, service) => {
		res.json({ data: await service.trigger(id(req.params.id), req.body) });
	}));
	router.post('/:id/recover', route(async (req, res, service) => {
		res.json({ data: await service.recover(id(req.params.id), req.body) });
	}));
	router.post('/:id/replay-missed', route(async (req, res, service) => {
		res.json({ data: await service.replayMissed(id(req.params.id), req.body) });
	}));
	router.get('/:id/deliveries', route(async (req, res, service) => {
		res.json({ data: await service.deliveries(id(req.params.id), req.sanitizedQuery ?? {}) });
	}));
	router.get('/:id/deliveries/:delivery', route(async (req, res, service) => {
		res.json({ data: await service.delivery(id(req.params.id), id(req.params.delivery)) });
	}));
	router.post('/:id/deliveries/:delivery/resend', route(async (req, res, service) => {
		res.json({ data: await service.resend(id(req.params.id), id(req.params.delivery)) });
	}));
}
