// Which Directus events feed outgoing webhooks. User collections emit `items.*`; system
// collections emit `<name>.*` (directus_users -> users.create), and file uploads `files.upload`.
import type { WebhookAction } from '../../../shared/webhook';

const SYSTEM_SCOPES = [
	'users', 'files', 'roles', 'policies', 'permissions', 'folders', 'comments', 'presets', 'dashboards',
	'panels', 'flows', 'operations', 'shares', 'notifications', 'translations', 'versions', 'settings',
];

export interface EventSource {
	event: string;
	action: WebhookAction;
}

export const EVENT_SOURCES: EventSource[] = [
	...['items', ...SYSTEM_SCOPES].flatMap((scope) =>
		(['create', 'update', 'delete'] as const).map((action) => ({ event: `${scope}.${action}`, action })),
	),
	{ event: 'files.upload', action: 'create' },
];

/** Creates, whose filter phase runs inside the write's transaction (transaction-capture). */
export const CREATE_SOURCES = EVENT_SOURCES.filter((source) => source.event.endsWith('.create'));

/** Events whose filter phase may read previous values (updates and deletes). */
export const BEFORE_WRITE_SOURCES = EVENT_SOURCES.filter((source) => source.action !== 'create');
