// Previous values of items about to be updated or deleted, read in the filter phase (before the
// write; see before-write for when) and picked up by the action that follows.
import type { Knex } from 'knex';
import type { SchemaOverview } from '../../context';
import { redact } from './redact';
import { WriteHandoff } from './write-handoff';

export class PreviousValues {
	private readonly handoff = new WriteHandoff<Record<string, unknown>>();

	async remember(write: { knex: Knex; schema: SchemaOverview }, collection: string, keys: (string | number)[], secretFields: string[] = []): Promise<void> {
		const primary = write.schema.collections[collection]?.primary;
		if (!primary) return;
		const rows: Record<string, unknown>[] = await write.knex.select('*').from(collection).whereIn(primary, keys);
		this.handoff.set(collection, new Map(rows.map((row) => [String(row[primary]), redact(row, secretFields)])));
	}

	take(collection: string, keys: (string | number)[]): Map<string, Record<string, unknown>> {
		return this.handoff.take(collection, keys);
	}
}
