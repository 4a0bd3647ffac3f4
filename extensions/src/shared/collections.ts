// Names of the collections this extension owns; the app module needs them too.
export const GROUP_COLLECTION = 'webhooks';
export const OUTGOING_COLLECTION = 'webhooks_outgoing';
export const DELIVERIES_COLLECTION = 'webhooks_deliveries';
export const ATTEMPTS_COLLECTION = 'webhooks_attempts';
export const ENDPOINTS_COLLECTION = 'webhooks_endpoints';
export const MODULE_ID = 'webhooks';
/** Never webhook sources: their rows hold signing secrets and the delivery log (a webhook on them would feed itself). */
export const NOT_WEBHOOK_SOURCES: readonly string[] = [OUTGOING_COLLECTION, DELIVERIES_COLLECTION, ATTEMPTS_COLLECTION];
/** Where inbound endpoints are served: `PUBLIC_URL` + this + `/` + the endpoint's suffix. */
export const INBOUND_PATH = '/webhooks/in';
/** Storage collections are named after the suffix with this prefix, e.g. `inbound_github_push`. */
export const STORAGE_PREFIX = 'inbound_';
/** The storage collection endpoints share by default (the app's "Shared inbox"): one collection for many endpoints. */
export const SHARED_STORAGE_COLLECTION = 'inbound_requests';
