// Which storage collections have an active blocking Flow (Event Hook, "Filter (Blocking)") on
// their create event. Such a Flow may refuse a request or change what is stored, so requests to
// those collections are stored one at a time and read back: the caller's answer then shows what
// the Flow decided. Read from directus_flows (a system collection) at most every few seconds.
import type { Knex } from 'knex';
import { toJson } from '../../db/rows';
import type { Logger } from '../../lib/logger';

// A Flow saved in the Data Studio applies to requests within this long.
const REFRESH_MS = 2_000;

export class BlockingFlows {
	private readonly knex: Knex;
	private readonly logger: Pick<Logger, 'warn'>;
	private collections = new Set<string>();
	private readAt = 0;
	private reading: Promise<void> | null = null;

	constructor(knex: Knex, logger: Pick<Logger, 'warn'>) {
		this.knex = knex;
		this.logger = logger;
	}

	/**
	 * True when a blocking Flow runs before a row is created in `collection`. Known at once after the
	 * first read (a stale answer is refreshed in the background, so storing never waits for it).
	 */
	on(collection: string): boolean | Promise<boolean> {
		if (Date.now() - this.readAt >= REFRESH_MS) this.reading ??= this.read().finally(() => (this.reading = null));
		if (this.readAt === 0 && this.reading) return this.reading.then(() => this.collections.has(collection));
		return this.collections.has(collection);
	}

	private async read(): Promise<void> {
		try {
			const rows: { options: unknown }[] = await this.knex('directus_flows').select('options').where({ status: 'active', trigger: 'event' });
			const collections = new Set<string>();
			for (const row of rows) {
				const options = toJson<{ type?: unknown; scope?: unknown; collections?: unknown }>(row.options, {});
				const scope = Array.isArray(options.scope) ? options.scope : [];
				if (options.type !== 'filter' || !scope.includes('items.create') || !Array.isArray(options.collections)) continue;
				for (const collection of options.collections) if (typeof collection === 'string') collections.add(collection);
			}
			this.collections = collections;
		} catch (error) {
			// Keeps what it knew: requests are then stored as before.
			this.logger.warn(error, '[webhooks] could not read the blocking Flows');
		}
		this.readAt = Date.now();
	}
}
