// Every WEBHOOKS_* setting, read once from the Directus env with clear errors for bad values.
// Directus may have cast values already (numbers, booleans, comma lists to arrays).
import { DEFAULT_RETRY_SCHEDULE, parseDuration, parseRetrySchedule } from '../outbound/worker/retry-schedule';

export interface Settings {
	retrySchedule: number[];
	timeoutMs: number;
	concurrency: number;
	perWebhook: number;
	pollMs: number;
	configRefreshMs: number;
	disableAfterMs: number;
	secretOverlapMs: number;
	retentionMs: number;
	maxResponseBytes: number;
	dispatcher: boolean;
	/** How long an inbound request may take to send its body. */
	inboundBodyTimeoutMs: number;
	/** Bytes of inbound request bodies held at once, across all endpoints. */
	inboundMaxBytesInFlight: number;
	/** Outgoing webhooks and inbound endpoints a non-admin user may own. */
	maxWebhooksPerUser: number;
	maxEndpointsPerUser: number;
	/** Directus's PUBLIC_URL: inbound endpoint URLs are built from it. */
	publicUrl: string | undefined;
	/** A bearer token that may read /webhooks/metrics without a Directus user; unset: admins only. */
	metricsToken: string | undefined;
	/** Refused inbound requests kept per endpoint (the newest). */
	refusedLogSize: number;
}

type Env = Record<string, unknown>;

function text(env: Env, name: string): string | undefined {
	const value = env[name];
	if (value === undefined || value === null || value === '') return undefined;
	return Array.isArray(value) ? value.join(',') : String(value);
}

function duration(env: Env, name: string, fallback: string): number {
	const value = text(env, name) ?? fallback;
	try {
		// A bare number is milliseconds, as elsewhere in Directus.
		return /^\d+$/.test(value) ? Number(value) : parseDuration(value);
	} catch {
		throw new Error(`${name}: "${value}" is not a duration (use e.g. 15s, 5m, 24h, 5d)`);
	}
}

function positiveInteger(env: Env, name: string, fallback: number): number {
	const value = text(env, name);
	if (value === undefined) return fallback;
	const number = Number(value);
	if (!Number.isInteger(number) || number < 1) throw new Error(`${name}: "${value}" must be a positive integer`);
	return number;
}

export function readSettings(env: Env): Settings {
	const schedule = text(env, 'WEBHOOKS_RETRY_SCHEDULE');
	return {
		retrySchedule: parseRetrySchedule(schedule ?? DEFAULT_RETRY_SCHEDULE),
		timeoutMs: duration(env, 'WEBHOOKS_TIMEOUT', '15s'),
		concurrency: positiveInteger(env, 'WEBHOOKS_CONCURRENCY', 64),
		perWebhook: positiveInteger(env, 'WEBHOOKS_CONCURRENCY_PER_WEBHOOK', 16),
		pollMs: duration(env, 'WEBHOOKS_POLL_INTERVAL', '500ms'),
		configRefreshMs: duration(env, 'WEBHOOKS_CONFIG_REFRESH', '1s'),
		disableAfterMs: duration(env, 'WEBHOOKS_DISABLE_AFTER', '5d'),
		secretOverlapMs: duration(env, 'WEBHOOKS_SECRET_OVERLAP', '24h'),
		retentionMs: duration(env, 'WEBHOOKS_RETENTION', '30d'),
		maxResponseBytes: positiveInteger(env, 'WEBHOOKS_MAX_RESPONSE_BYTES', 64 * 1024),
		dispatcher: text(env, 'WEBHOOKS_DISPATCHER') !== 'false',
		inboundBodyTimeoutMs: duration(env, 'WEBHOOKS_INBOUND_BODY_TIMEOUT', '10s'),
		inboundMaxBytesInFlight: positiveInteger(env, 'WEBHOOKS_INBOUND_MAX_BYTES_IN_FLIGHT', 64 * 1024 * 1024),
		maxWebhooksPerUser: positiveInteger(env, 'WEBHOOKS_MAX_PER_USER', 25),
		maxEndpointsPerUser: positiveInteger(env, 'WEBHOOKS_MAX_ENDPOINTS_PER_USER', 5),
		publicUrl: text(env, 'PUBLIC_URL'),
		metricsToken: text(env, 'WEBHOOKS_METRICS_TOKEN'),
		refusedLogSize: positiveInteger(env, 'WEBHOOKS_REFUSED_LOG_SIZE', 1000),
	};
}
