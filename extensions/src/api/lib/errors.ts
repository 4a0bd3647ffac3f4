// Errors our API and hooks throw, as Directus errors so the host renders them like its own.
import { createError } from '@directus/errors';
import type { FieldError } from '../../shared/webhook';
import { formatErrors } from '../../shared/validate-webhook';

/** 400 naming every invalid field and why, e.g. `url: must be an absolute http(s) URL`. */
export const WebhookValidationError = createError<{ errors: FieldError[] }>(
	'INVALID_PAYLOAD',
	(extensions) => `Invalid webhook: ${formatErrors(extensions.errors)}`,
	400,
);

/** 400 for inbound endpoint config, in the same form. */
export const EndpointValidationError = createError<{ errors: FieldError[] }>(
	'INVALID_PAYLOAD',
	(extensions) => `Invalid endpoint: ${formatErrors(extensions.errors)}`,
	400,
);

/** 409 when a webhook's generated secret was already shown (or was never hidden): rotating gives a new one. */
export const SecretAlreadySeenError = createError(
	'SECRET_ALREADY_SEEN',
	'The signing secret of this webhook has already been shown and cannot be shown again: rotate it to get a new one',
	409,
);

/** 403 when a non-admin already owns as many as the named setting allows. */
export const QuotaExceededError = createError<{ setting: string; limit: number; what: string }>(
	'LIMIT_EXCEEDED',
	(extensions) => `You may own at most ${extensions.limit} ${extensions.what} (${extensions.setting}); delete one or ask an admin`,
	403,
);

/** 409 when a send is asked of an inactive webhook: its delivery would only be skipped. */
export const WebhookInactiveError = createError(
	'WEBHOOK_INACTIVE',
	'The webhook is inactive: set it active to send',
	409,
);

/** 503 when a tracked write's deliveries cannot be recorded: the change is rolled back with them (transaction-capture). */
export const OutboxUnavailableError = createError(
	'SERVICE_UNAVAILABLE',
	'The change was not saved: its webhook deliveries could not be recorded. Try again in a moment',
	503,
);

/** 401 for /webhooks/metrics without credentials: an admin's, or the metrics token. */
export const MetricsCredentialsError = createError(
	'INVALID_CREDENTIALS',
	'Metrics need an admin, or the token set in WEBHOOKS_METRICS_TOKEN as "Authorization: Bearer <token>"',
	401,
);
