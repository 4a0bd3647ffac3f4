// What each action of a webhook means to an admin, and where it can happen at all: an upload only
// ever happens to a file, a promote (publishing a content version) only to a user collection's item,
// an alert only to the outgoing webhooks (and they are a source of nothing else).
// Shared by the API (the 400 on save) and the app (its labels and live form errors).
import { OUTGOING_COLLECTION } from './collections';
import { ALERT_ACTION, FILES_COLLECTION, type WebhookAction } from './webhook';

export const ACTION_LABELS: Record<WebhookAction, string> = {
	create: 'Created',
	update: 'Updated',
	delete: 'Deleted',
	promote: 'Published (a content version promoted)',
	upload: 'Uploaded (files)',
	alert: 'Webhook alerts (failing, recovered, disabled, retries exhausted)',
};

/** Directus's own collections: none of them has content versions. */
const isSystem = (collection: string) => collection.startsWith('directus_');

/**
 * Why these actions cannot all fire on these collections, or null. Not stricter than that: one of
 * several collections is enough, and a user collection may have versioning switched on later.
 */
export function actionsProblem(actions: readonly string[], collections: readonly string[]): string | null {
	if (actions.includes(ALERT_ACTION) && (actions.length > 1 || collections.length !== 1 || collections[0] !== OUTGOING_COLLECTION)) {
		return `"${ALERT_ACTION}" (webhook alerts) goes alone, with collections ["${OUTGOING_COLLECTION}"] only`;
	}
	if (actions.includes('upload') && !collections.includes(FILES_COLLECTION)) {
		return `"upload" happens only to files: add "${FILES_COLLECTION}" to collections, or remove "upload"`;
	}
	if (actions.includes('promote') && collections.length > 0 && collections.every(isSystem)) {
		return '"promote" (publishing a content version) happens only to items of your own collections with content versioning: add one to collections, or remove "promote"';
	}
	return null;
}

/** Why these collections cannot be sources for these actions (the outgoing webhooks: alerts only), or null. */
export function collectionsProblem(actions: readonly string[], collections: readonly string[]): string | null {
	if (collections.includes(OUTGOING_COLLECTION) && !actions.includes(ALERT_ACTION)) {
		return `"${OUTGOING_COLLECTION}" belongs to this extension and cannot be a webhook source, except of webhook alerts (actions ["${ALERT_ACTION}"])`;
	}
	return null;
}
