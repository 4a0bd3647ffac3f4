// The rate limit's shared state, held in the database every instance already shares (Redis is
// optional in Directus): per webhook, the time its next request may go (throttle_next_slot, epoch
// microseconds). Reserving n requests moves it on by n intervals in one atomic UPDATE, so instances
// never get the same slot and together stay at the limit.
import type { Knex } from 'knex';
import { OUTGOING_COLLECTION } from '../../../shared/collections';
import { databaseClient, type DatabaseClient } from '../../db/database-client';
import { retryOnLockConflict } from '../../db/lock-conflicts';
import { toNumber } from '../../db/rows';

const COLUMN = 'throttle_next_slot';

export class ThrottleStore {
	private readonly knex: Knex;
	private readonly dialect: DatabaseClient;

	constructor(knex: Knex) {
		this.knex = knex;
		this.dialect = databaseClient(knex);
	}

	/**
	 * Reserves `count` consecutive slots `intervalUs` apart, from the webhook's next free slot or
	 * from now when it lies in the past (unused time is not saved up: no bursts after a pause).
	 * Returns the first slot's time (µs); null when the webhook is gone.
	 */
	async reserve(webhook: number, count: number, intervalUs: number, nowUs: number): Promise<number | null> {
		const span = Math.round(count * intervalUs);
		// PostgreSQL types bare parameters in a CASE as text; say they are bigints.
		const param = this.dialect === 'postgres' ? 'cast(? as bigint)' : '?';
		const next = this.knex.raw(`(case when ?? is null or ?? < ${param} then ${param} else ?? end) + ${param}`, [COLUMN, COLUMN, nowUs, nowUs, COLUMN, span]);
		const rows = await retryOnLockConflict(async () => {
			if (this.dialect !== 'mysql') return this.knex(OUTGOING_COLLECTION).where({ id: webhook }).update({ [COLUMN]: next }).returning([COLUMN]);
			// No UPDATE ... RETURNING: the row stays locked by the update until the read in the same transaction.
			return this.knex.transaction(async (trx) => {
				await trx(OUTGOING_COLLECTION).where({ id: webhook }).update({ [COLUMN]: next });
				return trx(OUTGOING_COLLECTION).where({ id: webhook }).select(COLUMN);
			});
		});
		const end = toNumber((rows as Record<string, unknown>[])[0]?.[COLUMN]);
		return end === null ? null : end - span;
	}
}
