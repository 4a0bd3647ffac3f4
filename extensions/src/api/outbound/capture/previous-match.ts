// Transitions (previous_filter): an update fires such a webhook only for the items that matched its
// previous_filter just before the write, "from draft" of "from draft to published" (`filter`, checked
// when the delivery is sent, is the "to"). Which items did is read in the write's filter phase (see
// before-write), in the write's own transaction, as the readers the webhook's filter is evaluated
// as (its non-admin owners with item_role, else item_role or full access): rules on a field they
// cannot read match nothing, so a transition tells them nothing their permissions hide. One query
// per filter and readers per write, whatever the number of keys and webhooks.
import type { Knex } from 'knex';
import type { Accountability } from '../../context';
import type { WebhookAction } from '../../../shared/webhook';
import type { RegisteredWebhook } from '../config/webhook-registry';
import { webhookReaders, type OwnerScope } from '../worker/owner-scope';
import { readerId } from './prior-access';
import type { WriteContext } from './write-permission';
import { WriteHandoff } from './write-handoff';

interface Group {
	filter: Record<string, unknown>;
	readers: Accountability[];
	webhooks: number[];
}

export class PreviousMatch {
	private readonly scope: OwnerScope;
	/** Per item: the webhooks whose previous_filter it matched. */
	private readonly handoff = new WriteHandoff<Set<number>>();

	constructor(scope: OwnerScope) {
		this.scope = scope;
	}

	/** Reads which of the keys match each webhook's previous_filter (webhooks without one are ignored). */
	async remember(write: WriteContext, collection: string, keys: (string | number)[], webhooks: RegisteredWebhook[]): Promise<void> {
		const groups = new Map<string, Group>();
		for (const webhook of webhooks) {
			if (webhook.previousFilter === null) continue;
			const readers = await this.readers(webhook, write.knex);
			if (readers === null) continue;
			const id = JSON.stringify([webhook.previousFilter, readers.map(readerId)]);
			const group = groups.get(id);
			if (group) group.webhooks.push(webhook.id);
			else groups.set(id, { filter: webhook.previousFilter, readers, webhooks: [webhook.id] });
		}
		// Every key gets an entry, matching or not: one left by an earlier write that failed must not count.
		const byKey = new Map(keys.map((key) => [String(key), new Set<number>()]));
		for (const { filter, readers, webhooks: ids } of groups.values()) {
			for (const key of await this.scope.keysAllRead(readers, collection, keys, write.schema, write.knex, filter)) {
				for (const id of ids) byKey.get(key)?.add(id);
			}
		}
		this.handoff.set(collection, byKey);
	}

	/** What the event's deliveries may pass, the matches of an update taken from the handoff. */
	take(collection: string, action: WebhookAction, keys: (string | number)[]): Transitions {
		return new Transitions(action === 'update' ? this.handoff.take(collection, keys) : null);
	}

	/** Drops what an earlier write (one that then failed) left for these keys: this write was not read. */
	forget(collection: string, keys: (string | number)[]): void {
		this.handoff.take(collection, keys);
	}

	/** Null when an owner is gone: such a webhook's deliveries are skipped anyway. */
	private async readers(webhook: RegisteredWebhook, knex: Knex): Promise<Accountability[] | null> {
		try {
			return webhookReaders(await this.scope.readersFor(webhook.owners, knex), webhook.itemRole);
		} catch {
			return null;
		}
	}
}

/**
 * Which items of one event a webhook fires for. previous_filter is about updates: creates and
 * deletes (null matches) fire as without it. An update item not read before the write (see
 * before-write for when) is not known to have matched, so it does not fire.
 */
export class Transitions {
	private readonly matched: Map<string, Set<number>> | null;

	constructor(matched: Map<string, Set<number>> | null) {
		this.matched = matched;
	}

	fires(webhook: RegisteredWebhook, key: string | number): boolean {
		return this.matched === null || webhook.previousFilter === null || (this.matched.get(String(key))?.has(webhook.id) ?? false);
	}

	keys(webhook: RegisteredWebhook, keys: (string | number)[]): (string | number)[] {
		return keys.filter((key) => this.fires(webhook, key));
	}
}
