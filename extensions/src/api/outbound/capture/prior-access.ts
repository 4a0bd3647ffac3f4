// Which items of an update or delete the non-admin owners of a webhook could read just before the
// write, row rules included: what a delivery cannot check later (a deleted row; the earlier state
// of a row the write changed, sent as `previous`). Read as each owner through ItemsService in the
// write's own transaction, only for webhooks with a non-admin owner, and kept in the delivery's
// event_data (which non-admins never see) as the owners who could read the item.
import type { Knex } from 'knex';
import type { Accountability } from '../../context';
import { withItemRole, type OwnerScope } from '../worker/owner-scope';
import type { RegisteredWebhook } from '../config/webhook-registry';
import type { WriteContext } from './write-permission';
import { WriteHandoff } from './write-handoff';

/** The event_data field holding who could read the item before the write. */
export const READERS_BEFORE = 'readers_before';

/** A webhook to check, with whom its deliveries are limited by. */
export interface AccessCheck {
	webhook: number;
	readers: Accountability[];
}

export class PriorAccess {
	private readonly scope: OwnerScope;
	/** Per item: per webhook, the readers who could read it. */
	private readonly handoff = new WriteHandoff<Map<number, string[]>>();

	constructor(scope: OwnerScope) {
		this.scope = scope;
	}

	/**
	 * The webhooks with a non-admin owner. Owners are looked up through the delivery's cache; a
	 * webhook whose owner is gone is left out (its deliveries are skipped for that).
	 */
	async checksFor(webhooks: RegisteredWebhook[], knex: Knex): Promise<AccessCheck[]> {
		const checks: AccessCheck[] = [];
		for (const webhook of webhooks) {
			let owners: Accountability[];
			try {
				owners = await this.scope.readersFor(webhook.owners, knex);
			} catch {
				continue;
			}
			if (owners.length > 0) checks.push({ webhook: webhook.id, readers: withItemRole(owners, webhook.itemRole) });
		}
		return checks;
	}

	/** Reads the keys as each reader (once per reader, whatever the number of webhooks). */
	async remember(write: WriteContext, collection: string, keys: (string | number)[], checks: AccessCheck[]): Promise<void> {
		const readable = new Map<string, Set<string>>();
		for (const { readers } of checks) {
			for (const reader of readers) {
				const id = readerId(reader);
				if (!readable.has(id)) readable.set(id, await this.scope.readableKeys(reader, collection, keys, write.schema, write.knex));
			}
		}
		const byKey = new Map<string, Map<number, string[]>>();
		for (const key of keys.map(String)) {
			byKey.set(key, new Map(checks.map(({ webhook, readers }) => [webhook, readers.map(readerId).filter((id) => readable.get(id)!.has(key))])));
		}
		this.handoff.set(collection, byKey);
	}

	take(collection: string, keys: (string | number)[]): Map<string, Map<number, string[]>> {
		return this.handoff.take(collection, keys);
	}
}

/**
 * Whether every reader could read the item before the write, from its event data: null when that
 * was not checked (a write not read before, or readers who were admins then).
 */
export function readableBefore(data: Record<string, unknown>, readers: Accountability[]): boolean | null {
	const before = data[READERS_BEFORE];
	if (!Array.isArray(before)) return null;
	return readers.every((reader) => before.includes(readerId(reader)));
}

/** A reader as recorded: the user, or the role for item_role. */
export function readerId(reader: Accountability): string {
	return reader.user ?? `role:${String(reader.role)}`;
}
