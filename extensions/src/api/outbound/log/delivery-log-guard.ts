// The delivery log (deliveries and attempts) carries the data of every webhook's collection in
// its bodies. Directus permissions on it cannot follow "who may read that webhook", so non-admins
// get it only through /webhooks/:id/deliveries, which checks the webhook first. Through /items
// and GraphQL the log is closed to them, reads and writes alike: a written delivery would be sent,
// signed with the webhook's secret.
import { ForbiddenError } from '@directus/errors';
import { ATTEMPTS_COLLECTION, DELIVERIES_COLLECTION } from '../../../shared/collections';

export const DELIVERY_LOG_COLLECTIONS = [DELIVERIES_COLLECTION, ATTEMPTS_COLLECTION] as const;
export const DELIVERY_LOG_EVENTS = ['query', 'create', 'update', 'delete'] as const;

/** Passes the hook's input on for admins and the extension itself; refuses everyone else. */
export function guardDeliveryLog<T>(input: T, accountability: { admin?: boolean } | null | undefined): T {
	if (accountability && accountability.admin !== true) {
		throw new ForbiddenError({ reason: 'the delivery log is read through /webhooks/:id/deliveries, for those who may read the webhook' });
	}
	return input;
}
