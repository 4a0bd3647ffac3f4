// Sends a webhook's finished deliveries again in bulk: recover (a time range's failed ones, after
// an outage) and replay-missed (what it recorded while inactive). The rows go back into the outbox
// with their own message ids, due at their creation time so they are claimed in the order their
// events happened. Each statement re-checks the status it expects, so two instances (or two
// clicks) never queue one delivery twice.
import type { Knex } from 'knex';
import { DELIVERIES_COLLECTION } from '../../../shared/collections';
import { MAX_RECOVER, type RecoverResult, type RecoverableStatus } from '../../../shared/recovery';
import type { WebhookAction } from '../../../shared/webhook';
import { databaseClient } from '../../db/database-client';
import { toJson, toNumber } from '../../db/rows';
import { READERS_BEFORE } from '../capture/prior-access';
import { addToWindow, windowData, windowRow, type WindowEntry } from './debounce-window';

export interface DeliveryRange {
	webhook: number;
	since: number;
	/** Exclusive; absent: up to now. */
	until?: number;
	statuses: RecoverableStatus[];
	/** Only deliveries skipped because the webhook was inactive or disabled. */
	missedOnly?: boolean;
}

// Ids per UPDATE: well under every driver's bound-parameter limit.
const CHUNK = 1000;

export class DeliveryRecovery {
	private readonly knex: Knex;

	constructor(knex: Knex) {
		this.knex = knex;
	}

	/** Counts what `requeue` would queue, without changing anything. */
	async count(range: DeliveryRange, now = Date.now()): Promise<RecoverResult> {
		const row = await this.matching(this.knex, range, now).count({ n: '*' }).first();
		const total = toNumber(row?.n) ?? 0;
		return { count: Math.min(total, MAX_RECOVER), more: total > MAX_RECOVER, dry_run: true };
	}

	/** Puts the oldest MAX_RECOVER matching deliveries back in the queue, each once. */
	async requeue(range: DeliveryRange, now = Date.now()): Promise<RecoverResult> {
		const ids = await this.oldestIds(range, now);
		const more = ids.length > MAX_RECOVER;
		let count = 0;
		for (let index = 0; index < Math.min(ids.length, MAX_RECOVER); index += CHUNK) {
			const chunk = ids.slice(index, Math.min(index + CHUNK, MAX_RECOVER));
			const changed = await this.matching(this.knex, range, now)
				.whereIn('id', chunk)
				.update({
					status: 'pending',
					// Past, so due at once, and claimed oldest first.
					next_attempt_at: this.knex.ref('created_at'),
					finished_at: null,
					lease_owner: null,
					lease_until: null,
					missed: false,
				});
			count += Number(changed);
		}
		return { count, more, dry_run: false };
	}

	/**
	 * A debounced webhook's missed events as one new delivery (a window listing them all, as if they
	 * had come in one burst), instead of a delivery each. The originals stay in the log, no longer
	 * missed; other missed rows (events of no item) are queued again as they are.
	 */
	async replayAsWindow(range: DeliveryRange, now = Date.now()): Promise<RecoverResult> {
		const sqlite = databaseClient(this.knex) === 'sqlite';
		const result = await this.knex.transaction(async (trx) => {
			const select = this.matching(trx, range, now).select('id', 'event', 'collection', 'item_key', 'event_data').orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(MAX_RECOVER + 1);
			// Locked, so a second replay at the same time waits and then finds them no longer missed.
			if (!sqlite) select.forUpdate();
			const rows: Record<string, unknown>[] = await select;
			const more = rows.length > MAX_RECOVER;
			const taken = rows.slice(0, MAX_RECOVER);
			const entries: WindowEntry[] = [];
			const alone: number[] = [];
			for (const row of taken) {
				const data = toJson<Record<string, unknown>>(row.event_data, {});
				const window = windowData(data);
				if (window) entries.push(...window.events);
				else if (typeof row.collection === 'string' && row.item_key !== null) entries.push(itemEntry(row, data));
				else alone.push(Number(row.id));
			}
			const folded = taken.map((row) => Number(row.id)).filter((id) => !alone.includes(id));
			if (entries.length > 0) {
				await trx(DELIVERIES_COLLECTION).insert(windowRow(range.webhook, addToWindow(null, entries), now, now));
			}
			for (let index = 0; index < folded.length; index += CHUNK) {
				await trx(DELIVERIES_COLLECTION)
					.whereIn('id', folded.slice(index, index + CHUNK))
					.update({ missed: false, last_error: 'missed while the webhook was inactive; sent later in one delivery with the other missed events' });
			}
			return { folded: folded.length, alone, more };
		});
		let count = result.folded;
		for (let index = 0; index < result.alone.length; index += CHUNK) {
			const changed = await this.matching(this.knex, range, now).whereIn('id', result.alone.slice(index, index + CHUNK)).update({ status: 'pending', next_attempt_at: this.knex.ref('created_at'), finished_at: null, missed: false });
			count += Number(changed);
		}
		return { count, more: result.more, dry_run: false };
	}

	private async oldestIds(range: DeliveryRange, now: number): Promise<number[]> {
		const rows: { id: unknown }[] = await this.matching(this.knex, range, now)
			.select('id')
			.orderBy([{ column: 'created_at' }, { column: 'id' }])
			.limit(MAX_RECOVER + 1);
		return rows.map((row) => Number(row.id));
	}

	private matching(db: Knex | Knex.Transaction, range: DeliveryRange, now: number): Knex.QueryBuilder {
		const query = db(DELIVERIES_COLLECTION)
			.where('webhook', range.webhook)
			.whereIn('status', range.statuses)
			.andWhere('created_at', '>=', range.since)
			.andWhere('created_at', '<', range.until ?? now + 1);
		if (range.missedOnly) query.andWhere('missed', true);
		return query;
	}
}

/** A missed item event as an entry of the window it would have joined. */
function itemEntry(row: Record<string, unknown>, data: Record<string, unknown>): WindowEntry {
	const key = String(row.item_key);
	const entry: WindowEntry = { event: String(row.event), collection: String(row.collection), action: String(data.action ?? '') as WebhookAction, keys: [key] };
	const readers = data[READERS_BEFORE];
	if (Array.isArray(readers)) entry[READERS_BEFORE] = { [key]: readers as string[] };
	return entry;
}
