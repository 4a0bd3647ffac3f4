// Which Directus events feed outgoing webhooks. User collections emit `items.*`; system
// collections emit `<name>.*` (directus_users -> users.create), file uploads `files.upload`, and
// publishing a content version `items.promote` (see promote-handlers).
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
	// Each finished upload: multipart, TUS or /files/import, a new file or new content for one.
	// Directus writes the file's row for it without a files.create (or, for TUS, a files.update
	// of its own: see upload-bookkeeping), so an upload is never also a create.
	{ event: 'files.upload', action: 'upload' },
];

/** Creates, whose filter phase runs inside the write's transaction (transaction-capture). */
export const CREATE_SOURCES = EVENT_SOURCES.filter((source) => source.event.endsWith('.create'));

/** Events whose filter phase may read previous values (updates and deletes). */
export const BEFORE_WRITE_SOURCES = EVENT_SOURCES.filter((source) => source.action === 'update' || source.action === 'delete');

export const PROMOTE_SOURCE: EventSource = { event: 'items.promote', action: 'promote' };
