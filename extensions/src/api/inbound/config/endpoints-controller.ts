// REST API for inbound endpoints at /webhooks/endpoints, in the same { data } style as /webhooks.
import type { ExtensionContext, Router } from '../../context';
import { EndpointsService } from './endpoints-service';
import { useRuntime } from '../../runtime';
import { id, idList, routeFactory } from '../../lib/route';

export function registerEndpointRoutes(router: Router, context: ExtensionContext): void {
	const route = routeFactory((options) => new EndpointsService({ context, runtime: useRuntime(context), ...options }));
	// `?drop_collection=true` also drops the stored requests; by default they stay.
	const dropping = (query: unknown) => String((query as Record<string, unknown>)?.drop_collection) === 'true';

	router.get('/endpoints', route(async (req, res, service) => {
		res.json({ data: await service.list(req.sanitizedQuery ?? {}) });
	}));
	router.post('/endpoints', route(async (req, res, service) => {
		res.json({ data: await service.create(req.body) });
	}));
	router.delete('/endpoints', route(async (req, res, service) => {
		await service.delete(idList(req.body, 'endpoint'), dropping(req.query));
		res.status(204).end();
	}));
	router.get('/endpoints/:id', route(async (req, res, service) => {
		res.json({ data: await service.read(id(req.params.id), req.sanitizedQuery ?? {}) });
	}));
	router.patch('/endpoints/:id', route(async (req, res, service) => {
		res.json({ data: await service.update(id(req.params.id), req.body) });
	}));
	router.delete('/endpoints/:id', route(async (req, res, service) => {
		await service.delete([id(req.params.id)], dropping(req.query));
		res.status(204).end();
	}));
	router.post('/endpoints/:id/rotate-secret', route(async (req, res, service) => {
		res.json({ data: await service.rotateSecret(id(req.params.id)) });
	}));
	router.post('/endpoints/:id/test', route(async (req, res, service) => {
		res.json({ data: await service.test(id(req.params.id)) });
	}));
	router.get('/endpoints/:id/requests', route(async (req, res, service) => {
		res.json({ data: await service.requests(id(req.params.id), req.sanitizedQuery ?? {}) });
	}));
	router.get('/endpoints/:id/refused', route(async (req, res, service) => {
		res.json(await service.refused(id(req.params.id), req.sanitizedQuery ?? {}));
	}));
	router.post('/endpoints/:id/requests/:request/replay', route(async (req, res, service) => {
		res.json({ data: await service.replay(id(req.params.id), id(req.params.request)) });
	}));
}
