// Previous values of items about to be updated or deleted, read in the filter phase (before
// the write) and picked up by the action that follows. Entries expire so a failed write does
// not leave them behind.
import type { Knex } from 'knex';
import { redact } from './redact';

const TTL_MS = 60_000;

export class PreviousValues {
	private readonly entries = new Map<string, { values: Record<string, unknown>; expires: number }>();

	async remember(knex: Knex, collection: string, primary: string, keys: (string | number)[], secretFields: string[] = []): Promise<void> {
		if (keys.length === 0) return;
		this.sweep();
		const rows: Record<string, unknown>[] = await knex.select('*').from(collection).whereIn(primary, keys);
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

	private sweep(): void {
		const now = Date.now();
		for (const [id, entry] of this.entries) if (entry.expires < now) this.entries.delete(id);
	}
}
