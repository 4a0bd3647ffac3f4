// The Flow operation "Send webhook (managed)": its id, and how its `webhook` option names a
// webhook. Shared by the app (overview) and the API (handler), so no Node imports here.

export const SEND_OPERATION_ID = 'webhooks-send';

/**
 * The key the `webhook` option names: the item picker (collection-item-dropdown) stores
 * `{ key, collection }`; a typed or Flow-rendered value is the id itself.
 */
export function pickedWebhook(value: unknown): unknown {
	return value !== null && typeof value === 'object' && !Array.isArray(value) && 'key' in value ? (value as { key: unknown }).key : value;
}
