// What every management route shares: callers must be signed in (Directus permissions then decide
// what they may do), errors go to Directus's error handler, ids are validated.
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError, InvalidPayloadError } from '@directus/errors';
import type { Accountability, SchemaOverview } from '../context';

export type DirectusRequest = Request & { accountability?: Accountability | null; schema: SchemaOverview; sanitizedQuery?: Record<string, unknown> };

export interface ServiceOptions {
	schema: SchemaOverview;
	accountability: Accountability | null;
}

export function routeFactory<S>(createService: (options: ServiceOptions) => S) {
	return (handler: (req: DirectusRequest, res: Response, service: S) => Promise<void>) =>
		async (req: Request, res: Response, next: NextFunction) => {
			try {
				const request = req as DirectusRequest;
				// Unauthenticated callers get nothing, whatever public permissions say.
				if (!request.accountability?.user && !request.accountability?.admin) throw new ForbiddenError();
				await handler(request, res, createService({ schema: request.schema, accountability: request.accountability ?? null }));
			} catch (error) {
				next(error);
			}
		};
}

export function id(value: unknown): number {
	const number = Number(value);
	// Directus answers unknown items with 403 so their existence does not leak; so do we.
	if (!Number.isSafeInteger(number) || number < 1) throw new ForbiddenError();
	return number;
}

export function idList(body: unknown, noun: string): number[] {
	if (!Array.isArray(body) || body.length === 0 || !body.every((value) => Number.isSafeInteger(Number(value)) && Number(value) > 0)) {
		throw new InvalidPayloadError({ reason: `the body must be a non-empty array of ${noun} ids` });
	}
	return body.map(Number);
}
