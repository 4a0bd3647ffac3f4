// The drawer's "When" choices: what an admin waits for, in words ("File uploaded", "New user
// registered"), each filling the actions, collections and filter that make it happen. Nothing is
// stored but those fields: a webhook shows the choice its fields match, and any other
// combination stays possible in the fields themselves.
import { OUTGOING_COLLECTION } from './collections';
import { ALERT_ACTION, FILES_COLLECTION, type WebhookAction } from './webhook';

export const USERS_COLLECTION = 'directus_users';

export const WEBHOOK_TRIGGERS = [
	'item-created', 'item-updated', 'item-deleted', 'item-published', 'file-uploaded', 'file-updated', 'file-deleted', 'user-registered',
	'webhook-alerts',
] as const;
export type WebhookTrigger = (typeof WEBHOOK_TRIGGERS)[number];

export interface TriggerInfo {
	label: string;
	actions: WebhookAction[];
	/** null: the admin's own collections (which ones publish, say). */
	collections: string[] | null;
	filter: Record<string, unknown> | null;
}

/**
 * A new account that can sign in or soon will: public registration makes it active (or unverified
 * until the email is confirmed), an invitation makes it invited. Users created as suspended,
 * archived or draft (imports, say) are not new members.
 */
export const NEW_USER_FILTER = { status: { _in: ['active', 'unverified', 'invited'] } };

const item = (label: string, action: WebhookAction): TriggerInfo => ({ label, actions: [action], collections: null, filter: null });
const fixed = (label: string, collection: string, action: WebhookAction, filter: TriggerInfo['filter'] = null): TriggerInfo => ({ label, actions: [action], collections: [collection], filter });

export const TRIGGERS: Record<WebhookTrigger, TriggerInfo> = {
	'item-created': item('Item created', 'create'),
	'item-updated': item('Item updated', 'update'),
	'item-deleted': item('Item deleted', 'delete'),
	'item-published': item('Item published (a content version promoted)', 'promote'),
	'file-uploaded': fixed('File uploaded', FILES_COLLECTION, 'upload'),
	'file-updated': fixed('File updated', FILES_COLLECTION, 'update'),
	'file-deleted': fixed('File deleted', FILES_COLLECTION, 'delete'),
	'user-registered': fixed('New user registered (sign-up or invitation)', USERS_COLLECTION, 'create', NEW_USER_FILTER),
	// Admins only (the server refuses it to others): alerts name other people's webhooks.
	'webhook-alerts': fixed('Webhook alerts: a webhook failing, recovered, disabled, or a delivery out of retries (admins only)', OUTGOING_COLLECTION, ALERT_ACTION),
};

const sameList = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((entry) => b.includes(entry));
const sameFilter = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const isFixed = (info: TriggerInfo) => info.collections !== null;

/** The choice these fields make, or null (several actions, or a mix of one's own). */
export function triggerOf(values: { actions?: unknown; collections?: unknown; filter?: unknown }): WebhookTrigger | null {
	const actions = Array.isArray(values.actions) ? values.actions : [];
	const collections = Array.isArray(values.collections) ? values.collections : [];
	const fixedMatch = WEBHOOK_TRIGGERS.find((trigger) => {
		const info = TRIGGERS[trigger];
		return isFixed(info) && sameList(info.actions, actions) && sameList(info.collections!, collections) && sameFilter(info.filter, values.filter);
	});
	if (fixedMatch) return fixedMatch;
	return WEBHOOK_TRIGGERS.find((trigger) => !isFixed(TRIGGERS[trigger]) && sameList(TRIGGERS[trigger].actions, actions)) ?? null;
}

/**
 * The fields a choice sets, given the fields shown now: an item choice keeps the admin's own
 * collections (dropping what a file or user choice put there), and a filter of the admin's own
 * is kept unless the choice brings one.
 */
export function triggerFields(trigger: WebhookTrigger, values: { collections?: unknown; filter?: unknown }): Record<string, unknown> {
	const info = TRIGGERS[trigger];
	const current = Array.isArray(values.collections) ? (values.collections as string[]) : [];
	const collections = info.collections ?? current.filter((collection) => !WEBHOOK_TRIGGERS.some((other) => TRIGGERS[other].collections?.includes(collection)));
	const ownFilter = values.filter != null && !WEBHOOK_TRIGGERS.some((other) => TRIGGERS[other].filter !== null && sameFilter(TRIGGERS[other].filter, values.filter));
	return { actions: [...info.actions], collections, ...(ownFilter && info.filter === null ? {} : { filter: info.filter }) };
}
