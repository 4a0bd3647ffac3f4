// What a webhook owned by non-admins may send: only items and fields that each of its owners
// (creator, last editor, scope_owner) may read with their own Directus permissions, read
// through ItemsService as them so row rules and field permissions apply. A filter is evaluated as them
// too: one on a field they cannot read skips the delivery, whatever the value (no oracle).
import { isDeepStrictEqual } from 'node:util';
import { SkipDelivery } from './delivery-skip';
import type { Knex } from 'knex';
import { SYSTEM_ACCOUNTABILITY, type Accountability, type ExtensionContext, type SchemaOverview } from '../../context';
import type { OwnerAccountability } from './owner-accountability';

export class OwnerScope {
	private readonly context: Pick<ExtensionContext, 'services' | 'database'>;
	private readonly owners: OwnerAccountability;

	constructor(context: Pick<ExtensionContext, 'services' | 'database'>, owners: OwnerAccountability) {
		this.context = context;
		this.owners = owners;
	}

	/** The accountabilities deliveries are limited by; none when every owner is an admin. */
	async readersFor(ownerIds: string[], knex?: Knex): Promise<Accountability[]> {
		const readers: Accountability[] = [];
		for (const id of ownerIds) {
			const owner = await this.owners.get(id, undefined, knex);
			if (owner.kind === 'gone') throw new SkipDelivery(owner.reason);
			if (owner.kind === 'user') readers.push(owner.accountability);
		}
		return readers;
	}

	/** Read access to the collection (delete events: the item is gone). */
	async assertCollectionReadable(readers: Accountability[], collection: string, schema: SchemaOverview): Promise<void> {
		const primary = schema.collections[collection]?.primary;
		for (const reader of readers) {
			try {
				if (!primary) throw new Error('unknown collection');
				await this.items(collection, schema, reader).readByQuery({ fields: [primary], limit: 1 }, { emitEvents: false });
			} catch {
				throw new SkipDelivery(`the webhook's owner may not read ${collection}`);
			}
		}
	}

	/**
	 * The item as every reader may see it: the fields all of them may read, or SkipDelivery with
	 * the reason (not readable, filter on an unreadable field, no match).
	 */
	async readItem(readers: Accountability[], collection: string, key: string, schema: SchemaOverview, options: { fields: string[]; filter: Record<string, unknown> | null }): Promise<Record<string, unknown>> {
		const primary = schema.collections[collection]?.primary;
		if (!primary) throw new SkipDelivery(`the webhook's owner may not read ${collection}`);
		let item: Record<string, unknown> | null = null;
		let readable: Set<string> | null = null;
		for (const reader of readers) {
			const items = this.items(collection, schema, reader);
			const byKey = { [primary]: { _eq: key } };
			let row = await this.first(items, { filter: byKey, fields: options.fields });
			if (row === null) throw new SkipDelivery("the webhook's owner may not read this item");
			if (options.filter) {
				try {
					row = await this.first(items, { filter: { _and: [byKey, options.filter] }, fields: options.fields }, true);
				} catch {
					throw new SkipDelivery("the webhook's filter uses a field its owner may not read");
				}
				if (row === null) throw new SkipDelivery('the item does not match the webhook filter');
			}
			// A field stays only if every reader got the same value: related items are read as each
			// reader sees them, and one reader may see more of them than another.
			const seen = row;
			readable = readable ? new Set([...readable].filter((field: string) => field in seen && isDeepStrictEqual(seen[field], item![field]))) : new Set(Object.keys(row));
			item ??= row;
		}
		return pick(item ?? {}, readable ?? new Set());
	}

	/**
	 * Which of `keys` the reader may read (and match `filter`, when given), row rules included; read
	 * with `knex` (before a write: its own). A filter the reader may not use matches nothing.
	 */
	async readableKeys(reader: Accountability, collection: string, keys: (string | number)[], schema: SchemaOverview, knex?: Knex, filter: Record<string, unknown> | null = null): Promise<Set<string>> {
		const primary = schema.collections[collection]?.primary;
		if (!primary) return new Set();
		const byKeys = { [primary]: { _in: keys } };
		try {
			const query = { filter: filter ? { _and: [byKeys, filter] } : byKeys, fields: [primary], limit: -1 };
			const rows = await this.items(collection, schema, reader, knex).readByQuery(query as never, { emitEvents: false });
			return new Set(rows.map((row) => String(row[primary])));
		} catch {
			return new Set();
		}
	}

	/** Which of `keys` every reader may read and, when given, finds matching `filter`. */
	async keysAllRead(readers: Accountability[], collection: string, keys: (string | number)[], schema: SchemaOverview, knex?: Knex, filter: Record<string, unknown> | null = null): Promise<Set<string>> {
		let passing = new Set(keys.map(String));
		for (const reader of readers) {
			if (passing.size === 0) break;
			const readable = await this.readableKeys(reader, collection, [...passing], schema, knex, filter);
			passing = new Set([...passing].filter((key) => readable.has(key)));
		}
		return passing;
	}

	private items(collection: string, schema: SchemaOverview, accountability: Accountability, knex: Knex = this.context.database) {
		return new this.context.services.ItemsService(collection, { knex, schema, accountability });
	}

	/** The first row, or null when the reader may not read it (rethrows when asked, for the filter). */
	private async first(items: { readByQuery: (query: never, opts?: never) => Promise<unknown[]> }, query: Record<string, unknown>, rethrow = false) {
		try {
			const rows = await items.readByQuery({ ...query, limit: 1 } as never, { emitEvents: false } as never);
			return (rows[0] as Record<string, unknown> | undefined) ?? null;
		} catch (error) {
			if (rethrow) throw error;
			return null;
		}
	}
}

/** The webhook's owners and its item_role: all of them must be able to read what it sends. */
export function withItemRole(owners: Accountability[], itemRole: string | null): Accountability[] {
	return itemRole ? [...owners, roleAccountability(itemRole)] : owners;
}

/** Who reads items for a webhook: its non-admin owners with item_role; for an admin's webhook, item_role or full access. */
export function webhookReaders(owners: Accountability[], itemRole: string | null): Accountability[] {
	return owners.length > 0 ? withItemRole(owners, itemRole) : [itemRole ? roleAccountability(itemRole) : SYSTEM_ACCOUNTABILITY];
}

/** Reads with a role's permissions (item_role). */
export function roleAccountability(role: string): Accountability {
	return { admin: false, app: false, role, roles: [role], user: null, ip: null };
}

/** The object's entries whose key is in `fields`. */
export function pick(value: unknown, fields: Set<string>): Record<string, unknown> {
	if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
	return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([key]) => fields.has(key)));
}
