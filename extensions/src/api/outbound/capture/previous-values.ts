// Previous values of items about to be updated or deleted, read in the filter phase (before
// the write) and picked up by the action that follows. Entries expire so a failed write does
// not leave them behind.
//
// Directus runs that filter before it checks the caller's permissions, so a write it will refuse
// (the public PATCHing 20,000 keys) would still make us read and hold those rows: non-admin
// writes are first checked with Directus's own PermissionsService, and one write remembers at
// most MAX_ROWS rows.
import type { Knex } from 'knex';
import type { Accountability, ExtensionContext, SchemaOverview } from '../../context';
import { redact } from './redact';

const TTL_MS = 60_000;
/** Writes of more items than this carry no previous values (said once per collection in the log). */
export const MAX_PREVIOUS_ROWS = 1_000;

export interface WriteContext {
	knex: Knex;
	schema: SchemaOverview;
	accountability: Accountability | null;
}

export class PreviousValues {
	private readonly context: Pick<ExtensionContext, 'services' | 'logger'>;
	private readonly entries = new Map<string, { values: Record<string, unknown>; expires: number }>();
	private readonly warnedCollections = new Set<string>();

	constructor(context: Pick<ExtensionContext, 'services' | 'logger'>) {
		this.context = context;
	}

	async remember(write: WriteContext, collection: string, action: 'update' | 'delete', keys: (string | number)[], secretFields: string[] = []): Promise<void> {
		if (keys.length === 0) return;
		if (keys.length > MAX_PREVIOUS_ROWS) {
			if (!this.warnedCollections.has(collection)) {
				this.warnedCollections.add(collection);
				this.context.logger.warn(`[webhooks] writes of more than ${MAX_PREVIOUS_ROWS} items of ${collection} carry no previous values`);
			}
			return;
		}
		const primary = write.schema.collections[collection]?.primary;
		if (!primary || !(await this.allowed(write, collection, action, keys))) return;
		this.sweep();
		const rows: Record<string, unknown>[] = await write.knex.select('*').from(collection).whereIn(primary, keys);
		const expires = Date.now() + TTL_MS;
		for (const row of rows) this.entries.set(`${collection}\u0000${String(row[primary])}`, { values: redact(row, secretFields), expires });
	}

	take(collection: string, keys: (string | number)[]): Map<string, Record<string, unknown>> {
		const found = new Map<string, Record<string, unknown>>();
		for (const key of keys) {
			const id = `${collection}\u0000${String(key)}`;
			const entry = this.entries.get(id);
			if (!entry) continue;
			this.entries.delete(id);
			found.set(String(key), entry.values);
		}
		return found;
	}

	/**
	 * Whether Directus will let this caller do the write: admins and the system always; others as
	 * PermissionsService says, for the item when it is one (collection-wide for several). It
	 * answers only signed-in users: the public's writes carry no previous values.
	 */
	private async allowed(write: WriteContext, collection: string, action: 'update' | 'delete', keys: (string | number)[]): Promise<boolean> {
		const { accountability } = write;
		if (!accountability || accountability.admin) return true;
		if (!accountability.user) return false;
		const permissions = new this.context.services.PermissionsService({ knex: write.knex, schema: write.schema, accountability });
		try {
			const access = await permissions.getItemPermissions(collection, keys.length === 1 ? String(keys[0]) : undefined);
			return access?.[action]?.access === true;
		} catch {
			return false;
		}
	}

	private sweep(): void {
		const now = Date.now();
		for (const [id, entry] of this.entries) if (entry.expires < now) this.entries.delete(id);
	}
}
