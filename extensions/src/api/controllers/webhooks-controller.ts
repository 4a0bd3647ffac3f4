// REST API for outgoing webhooks at /webhooks, compatible with the legacy Directus webhooks
// reference ({ data } envelopes), plus deliveries, resend, test and secret rotation.
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError, InvalidPayloadError } from '@directus/errors';
import type { Accountability, ExtensionContext, Router, SchemaOverview } from '../context';
import { WebhooksService } from '../outbound/webhooks-service';
import { useRuntime } from '../runtime';

type DirectusRequest = Request & { accountability?: Accountability | null; schema: SchemaOverview; sanitizedQuery?: Record<string, unknown> };
type Handler = (req: DirectusRequest, res: Response, service: WebhooksService) => Promise<void>;

export function registerWebhookRoutes(router: Router, context: ExtensionContext): void {
	const route = (handler: Handler) => async (req: Request, res: Response, next: NextFunction) => {
		try {
			const request = req as DirectusRequest;
			// Unauthenticated callers get nothing, whatever public permissions say.
			if (!request.accountability?.user && !request.accountability?.admin) throw new ForbiddenError();
			const service = new WebhooksService({ context, runtime: useRuntime(context), schema: request.schema, accountability: request.accountability ?? null });
			await handler(request, res, service);
		} catch (error) {
			next(error);
		}
	};

	router.get('/', route(async (req, res, service) => {
		res.json({ data: await service.list(req.sanitizedQuery ?? {}) });
	}));
	router.post('/', route(async (req, res, service) => {
		res.json({ data: await service.create(req.body) });
	}));
	router.delete('/', route(async (req, res, service) => {
		await service.delete(idList(req.body));
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
	router.post('/:id/test', route(async (req, res, service) => {
		res.json({ data: await service.test(id(req.params.id)) });
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

function id(value: unknown): number {
	const number = Number(value);
	// Directus answers unknown items with 403 so their existence does not leak; so do we.
	if (!Number.isSafeInteger(number) || number < 1) throw new ForbiddenError();
	return number;
}

function idList(body: unknown): number[] {
	if (!Array.isArray(body) || body.length === 0 || !body.every((value) => Number.isSafeInteger(Number(value)) && Number(value) > 0)) {
		throw new InvalidPayloadError({ reason: 'the body must be a non-empty array of webhook ids' });
	}
	return body.map(Number);
}
