// GET /webhooks/metrics, the Prometheus scrape: for admins, or for a scraper sending the
// WEBHOOKS_METRICS_TOKEN as a bearer token. Directus's auth would refuse a bearer token that is not
// one of its own before any route runs, so the token is checked by a middleware ahead of it (mounted
// by the hook); any other caller goes on to Directus's auth and then the route, which wants an admin.
import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ForbiddenError } from '@directus/errors';
import type { ExtensionContext, Router } from '../context';
import { MetricsCredentialsError } from '../lib/errors';
import type { DirectusRequest } from '../lib/route';
import { safeEqual } from '../inbound/verifiers/constant-time';
import { useRuntime } from '../runtime';
import type { Metrics } from './metrics';

export const METRICS_PATH = '/webhooks/metrics';

export function registerMetricsRoutes(router: Router, context: ExtensionContext): void {
	router.get('/metrics', async (req: Request, res: Response, next: NextFunction) => {
		try {
			const accountability = (req as DirectusRequest).accountability;
			// A signed-in non-admin is told no; a caller without credentials is asked for them.
			if (!accountability?.admin) throw accountability?.user ? new ForbiddenError() : new MetricsCredentialsError();
			await serve(useRuntime(context).metrics, res);
		} catch (error) {
			next(error);
		}
	});
}

/** For `app.use(METRICS_PATH, ...)` before Directus's auth: answers a GET that carries the metrics token. */
export function metricsTokenMiddleware(metrics: Metrics, token: string | undefined): RequestHandler {
	const expected = token === undefined ? null : digest(token);
	return (req, res, next) => {
		if (expected === null || req.method !== 'GET' || req.path !== '/') return next();
		const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
		// Hashed first: the comparison takes the same time whatever the length of what was sent.
		if (presented === undefined || !safeEqual(digest(presented), expected)) return next();
		serve(metrics, res).catch(next);
	};
}

async function serve(metrics: Metrics, res: Response): Promise<void> {
	const text = await metrics.text();
	res.setHeader('content-type', metrics.contentType);
	res.setHeader('cache-control', 'no-store');
	res.end(text);
}

function digest(value: string): Buffer {
	return createHash('sha256').update(value).digest();
}
