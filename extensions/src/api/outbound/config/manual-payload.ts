// The payload a send-now request or a Flow gives a manual delivery: any JSON, bounded like config,
// since it is stored in the outbox and sent on every attempt.
import { ContentTooLargeError } from '@directus/errors';
import { isPlainObject, nestsDeeperThan } from '../../../shared/validation';
import { jsonText } from '../../../shared/json-text';
import { WebhookValidationError } from '../../lib/errors';

export const MAX_MANUAL_PAYLOAD_BYTES = 64 * 1024;
const MAX_DEPTH = 32;

/** The payload to store: null for none (no body, or an empty object). */
export function manualPayload(body: unknown): unknown {
	if (body === undefined || body === null || (isPlainObject(body) && Object.keys(body).length === 0)) return null;
	const text = nestsDeeperThan(body, MAX_DEPTH) ? undefined : jsonText(body);
	if (text === undefined) {
		throw new WebhookValidationError({ errors: [{ field: '(body)', reason: `must be JSON nested at most ${MAX_DEPTH} levels deep` }] });
	}
	if (new TextEncoder().encode(text).length > MAX_MANUAL_PAYLOAD_BYTES) throw new ContentTooLargeError();
	return JSON.parse(text) as unknown;
}
