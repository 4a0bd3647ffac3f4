// Names of the collections this extension owns; the app module needs them too.
export const GROUP_COLLECTION = 'webhooks';
export const OUTGOING_COLLECTION = 'webhooks_outgoing';
export const DELIVERIES_COLLECTION = 'webhooks_deliveries';
export const ATTEMPTS_COLLECTION = 'webhooks_attempts';
export const MODULE_ID = 'webhooks';
