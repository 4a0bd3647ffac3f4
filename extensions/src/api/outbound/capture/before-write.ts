// What an update or delete needs read before the write, in Directus's filter phase: the items'
// previous values (include_previous), for webhooks with a non-admin owner, which items those
// owners could read (prior-access), and for transitions, which items matched previous_filter
// (previous-match). For admin-owned webhooks without include_previous, nothing is
// read but their owners, through the deliveries' short-lived cache.
//
// Directus runs that phase before it checks the caller's permissions, so a write it will refuse
// (the public PATCHing 20,000 keys) would still make us read and hold those rows: non-admin writes
// are first checked with Directus's own PermissionsService, and one write is read for at most
// MAX_BEFORE_WRITE_ROWS items.
import type { ExtensionContext } from '../../context';
import type { WebhookAction } from '../../../shared/webhook';
import type { PreviousValues } from './previous-values';
import type { PriorAccess } from './prior-access';
import type { PreviousMatch } from './previous-match';
import { secretFields } from './redact';
import type { WebhookRegistry } from '../config/webhook-registry';
import { mayWrite, type WriteContext } from './write-permission';

/** Writes of more items than this carry no previous values, fire no transition, and their deletes reach no webhook with a non-admin owner. */
export const MAX_BEFORE_WRITE_ROWS = 1_000;

export class BeforeWrite {
	private readonly context: Pick<ExtensionContext, 'services' | 'logger'>;
	private readonly registry: WebhookRegistry;
	private readonly previous: PreviousValues;
	private readonly access: PriorAccess;
	private readonly matches: PreviousMatch;
	private readonly warnedCollections = new Set<string>();

	constructor(context: Pick<ExtensionContext, 'services' | 'logger'>, registry: WebhookRegistry, previous: PreviousValues, access: PriorAccess, matches: PreviousMatch) {
		this.context = context;
		this.registry = registry;
		this.previous = previous;
		this.access = access;
		this.matches = matches;
	}

	async read(write: WriteContext, collection: string, action: Extract<WebhookAction, 'update' | 'delete'>, keys: (string | number)[]): Promise<void> {
		const webhooks = this.registry.match(collection, action);
		const wantsPrevious = webhooks.some((webhook) => webhook.includePrevious);
		// Owners are recorded on nearly every webhook (admins' too): who is not an admin is known below.
		const owned = webhooks.filter((webhook) => webhook.owners.length > 0 && (action === 'delete' || webhook.includePrevious));
		const transitions = action === 'update' ? webhooks.filter((webhook) => webhook.previousFilter !== null) : [];
		if ((!wantsPrevious && owned.length === 0 && transitions.length === 0) || keys.length === 0) return;
		const checks = owned.length > 0 ? await this.access.checksFor(owned, write.knex) : [];
		if (!wantsPrevious && checks.length === 0 && transitions.length === 0) return;
		if (keys.length > MAX_BEFORE_WRITE_ROWS) {
			if (!this.warnedCollections.has(collection)) {
				this.warnedCollections.add(collection);
				this.context.logger.warn(`[webhooks] writes of more than ${MAX_BEFORE_WRITE_ROWS} items of ${collection} carry no previous values and fire no transition (previous_filter), and webhooks with a non-admin owner skip such deletes`);
			}
			this.matches.forget(collection, keys);
			return;
		}
		if (!write.schema.collections[collection]?.primary || !(await mayWrite(this.context.services, write, collection, action, keys))) return;
		if (wantsPrevious) await this.previous.remember(write, collection, keys, secretFields(write.schema, collection));
		if (checks.length > 0) await this.access.remember(write, collection, keys, checks);
		if (transitions.length > 0) await this.matches.remember(write, collection, keys, transitions);
	}
}
