// How many webhooks or endpoints a non-admin may own (by `user_created`), so a delegate cannot fill
// the database or the licence's collection budget. Admins and the system are not limited. Counted
// in the write's own transaction when there is one, so a batch counts its own earlier rows.
import type { Knex } from 'knex';
import type { Accountability } from '../context';
import { QuotaExceededError } from './errors';

export interface Quota {
	collection: string;
	limit: number;
	/** The env setting that raises the limit, named in the error. */
	setting: string;
	/** What is counted, plural, for the message. */
	what: string;
}

/** Throws 403 LIMIT_EXCEEDED when `adding` more rows would give the caller more than `quota.limit`. */
export async function assertUnderQuota(knex: Knex, quota: Quota, accountability: Accountability | null, adding = 1): Promise<void> {
	if (accountability === null || accountability.admin) return;
	const query = knex(quota.collection).count({ count: '*' });
	// Rows Directus made without a user (the public role, the system) are counted together.
	if (accountability.user) query.where({ user_created: accountability.user });
	else query.whereNull('user_created');
	const row = (await query)[0] as { count: number | string } | undefined;
	if (Number(row?.count ?? 0) + adding > quota.limit) throw new QuotaExceededError({ setting: quota.setting, limit: quota.limit, what: quota.what });
}
