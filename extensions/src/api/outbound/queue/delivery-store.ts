// All SQL of the outbox: insert, claim with leases, and record outcomes. Claims skip rows other
// instances hold (FOR UPDATE SKIP LOCKED on PostgreSQL, MySQL 8 and MariaDB 10.6; SQLite has a
// single writer), so several instances can share one database.
import type { Knex } from 'knex';
import { ATTEMPTS_COLLECTION, DELIVERIES_COLLECTION } from '../../../shared/collections';
import type { Attempt, Delivery, DeliveryStatus } from '../../../shared/delivery';
import { databaseClient, type DatabaseClient } from '../../db/database-client';
import { isUniqueViolation, retryOnLockConflict, retryWhile } from '../../db/lock-conflicts';
import { insertRows } from '../../db/multi-row-insert';
import { toJson, toNumber } from '../../db/rows';
import { addToWindow, windowData, windowDueAt, windowKey, windowRow, type WindowEvent } from './debounce-window';
import { orderKey, windowOrderKey } from './order-key';

export type NewDelivery = Pick<Delivery, 'webhook' | 'message_id' | 'event' | 'collection' | 'item_key' | 'event_data'> & {
	next_attempt_at?: number;
	/** Its webhook is inactive: recorded as skipped and missed, never claimed (replay-missed sends it). */
	missed?: true;
	/** The webhook delivers in order: the row gets its item's order_key (order-key). */
	ordered?: boolean;
};

/** Why a missed delivery was not sent, as its log shows it. */
export const MISSED_INACTIVE = 'not sent: the webhook was inactive';

export interface ClaimedDelivery extends Omit<NewDelivery, 'next_attempt_at' | 'ordered' | 'missed'> {
	id: number;
	/** Set for an ordered webhook's delivery: the next of its item waits until this one is settled. */
	order_key?: string | null;
	attempts: number;
	lease_until: number;
	/** When the event was written (epoch ms). */
	created_at?: number;
}

export type AttemptRecord = Omit<Attempt, 'id'>;

/** Unfinished deliveries across every instance; see queueDepth. */
export interface QueueDepth {
	pending: number;
	sending: number;
	due: number;
	/** How long the longest-waiting due delivery has been due; 0 when none is. */
	oldestDueAgeMs: number;
}

export interface Outcome {
	delivery: ClaimedDelivery;
	attempt: AttemptRecord;
	/** pending = retry at nextAttemptAt. */
	status: Extract<DeliveryStatus, 'succeeded' | 'failed' | 'pending' | 'skipped'>;
	nextAttemptAt: number | null;
	error: string | null;
	/** Skipped because its webhook is inactive: replay-missed may send it later. */
	missed?: true;
}

const CLAIM_COLUMNS = ['id', 'webhook', 'message_id', 'event', 'collection', 'item_key', 'event_data', 'attempts', 'created_at', 'order_key'];

export interface ClaimOptions {
	/** Claim for this webhook only (a rate-limited one, up to its reserved slots). */
	onlyWebhook?: number;
	/** Skip rows whose item has an earlier unsettled row (ordered webhooks exist). */
	ordered?: boolean;
}

// Rows per multi-row INSERT: well under every driver's bound-parameter limit.
const INSERT_CHUNK = 200;

export class DeliveryStore {
	private readonly knex: Knex;
	private readonly dialect: DatabaseClient;

	constructor(knex: Knex) {
		this.knex = knex;
		this.dialect = databaseClient(knex);
	}

	/**
	 * InnoDB's default REPEATABLE READ makes the claim's locking read hold next-key locks on every
	 * row it scans, and outcome updates then deadlock with it; READ COMMITTED locks only the rows
	 * taken. (PostgreSQL already reads committed; SQLite has one writer.)
	 */
	private get transactionConfig(): Knex.TransactionConfig | undefined {
		return this.dialect === 'mysql' ? { isolationLevel: 'read committed' } : undefined;
	}

	/**
	 * Writes new deliveries, pending and due at once unless a row names its next attempt. All or
	 * none: the outbox writes a failed batch again, and rows of it already in would then repeat
	 * their message ids (unique) and fail it for good.
	 */
	async insert(rows: NewDelivery[], now = Date.now()): Promise<void> {
		if (rows.length <= INSERT_CHUNK) await this.insertWith(this.knex, rows, now);
		else await this.knex.transaction((trx) => this.insertWith(trx, rows, now));
	}

	private async insertWith(db: Knex | Knex.Transaction, rows: NewDelivery[], now: number): Promise<void> {
		for (let index = 0; index < rows.length; index += INSERT_CHUNK) {
			await insertRows(
				db,
				DELIVERIES_COLLECTION,
				rows.slice(index, index + INSERT_CHUNK).map((row) => ({
					webhook: row.webhook,
					message_id: row.message_id,
					event: row.event,
					collection: row.collection,
					item_key: row.item_key,
					event_data: JSON.stringify(row.event_data),
					attempts: 0,
					created_at: now,
					...(row.missed
						? { status: 'skipped', next_attempt_at: null, finished_at: now, last_error: MISSED_INACTIVE, missed: true }
						: { status: 'pending', next_attempt_at: row.next_attempt_at ?? now, missed: false }),
					// Only ordered rows name the column, so other batches insert exactly as before; a missed row holds no place in the order.
					...(row.ordered && !row.missed && row.item_key !== null ? { order_key: orderKey(row.webhook, row.collection, row.item_key) } : {}),
				})),
			);
		}
	}

	/**
	 * Adds debounced webhooks' events to their open windows: one pending row per webhook, found by
	 * its unique debounce_key, whose due time moves on with each event. Locked while it changes, so a
	 * claim skips it meanwhile; an instance that loses the race to open a window (unique key) runs
	 * again and adds to the winner's. A claim clears the key: later events open the next window.
	 * `alongside` (deliveries of the same outbox batch) are inserted in the same transaction, so a
	 * batch written again after a failure adds nothing twice.
	 */
	async addToWindows(events: WindowEvent[], alongside: NewDelivery[] = [], now = Date.now()): Promise<void> {
		if (events.length === 0) return this.insert(alongside, now);
		await retryOnLockConflict(() => this.knex.transaction((trx) => this.addWith(trx, events, alongside, now), this.transactionConfig), 8, 10, lostWindowRace);
	}

	/**
	 * The same, inside a caller's open transaction (a tracked item write's own): committed with it
	 * or not at all. Windows are changed in a savepoint, so only a lost race for a window's key is
	 * run again; a deadlock goes to the caller, whose transaction Directus runs again as a whole.
	 */
	async addWithin(trx: Knex.Transaction, events: WindowEvent[], alongside: NewDelivery[] = [], now = Date.now()): Promise<void> {
		if (events.length === 0) return this.insertWith(trx, alongside, now);
		// SQLite runs one transaction at a time: no other one can open the window meanwhile.
		if (this.dialect === 'sqlite') return this.addWith(trx, events, alongside, now);
		await this.insertWith(trx, alongside, now);
		await retryWhile(() => trx.transaction((savepoint) => this.addWith(savepoint, events, [], now)), lostWindowRace, 8, 10);
	}

	/** Removes pending rows written earlier in the same transaction (children folded into a parent's delivery). */
	async removeWithin(trx: Knex.Transaction, messageIds: string[]): Promise<void> {
		for (let index = 0; index < messageIds.length; index += INSERT_CHUNK) {
			await trx(DELIVERIES_COLLECTION).whereIn('message_id', messageIds.slice(index, index + INSERT_CHUNK)).delete();
		}
	}

	private async addWith(trx: Knex.Transaction, events: WindowEvent[], alongside: NewDelivery[], now: number): Promise<void> {
		const byWebhook = new Map<number, WindowEvent[]>();
		for (const event of events) byWebhook.set(event.webhook, [...(byWebhook.get(event.webhook) ?? []), event]);
		await this.insertWith(trx, alongside, now);
		// Rows locked in webhook order, as every instance takes them.
		for (const [webhook, group] of [...byWebhook.entries()].sort(([a], [b]) => a - b)) await this.addToWindow(trx, webhook, group, now);
	}

	private async addToWindow(trx: Knex.Transaction, webhook: number, events: WindowEvent[], now: number): Promise<void> {
		const key = windowKey(webhook);
		const { debounceMs, maxMs, ordered } = events.at(-1)!;
		const entries = events.map((event) => event.entry);
		const find = trx(DELIVERIES_COLLECTION).select('id', 'status', 'event_data', 'created_at').where({ debounce_key: key });
		if (this.dialect !== 'sqlite') find.forUpdate();
		const [open] = (await find) as Record<string, unknown>[];
		if (open && open.status === 'pending') {
			const data = addToWindow(windowData(toJson(open.event_data, null)), entries);
			const due = windowDueAt(toNumber(open.created_at) ?? now, now, debounceMs, maxMs);
			await trx(DELIVERIES_COLLECTION).where({ id: open.id }).update({ event_data: JSON.stringify(data), next_attempt_at: due });
			return;
		}
		// A window that ended some other way (skipped with its webhook) keeps no claim on the key.
		if (open) await trx(DELIVERIES_COLLECTION).where({ id: open.id }).update({ debounce_key: null });
		await trx(DELIVERIES_COLLECTION).insert({
			...windowRow(webhook, addToWindow(null, entries), now, windowDueAt(now, now, debounceMs, maxMs)),
			debounce_key: key,
			// An ordered webhook's windows go one after another: the next waits while one is retried.
			...(ordered ? { order_key: windowOrderKey(webhook) } : {}),
		});
	}

	/**
	 * Takes up to `limit` due deliveries (pending and due, or sending with an expired lease from
	 * a crashed instance) and leases them to `owner` until `leaseUntil`.
	 *
	 * A leased row's next_attempt_at is its lease's end and finished rows have none, so every
	 * claimable row lies in one range of the next_attempt_at index: the claim reads the `limit`
	 * earliest entries instead of sorting every pending row (with a 10,000 backlog each claim
	 * sorted 10,000 rows). The rest of the condition names no other indexed column, so no planner
	 * picks the status index instead; it also keeps rows leased by older versions (due time not
	 * moved) until their lease ends. Only leased rows have a lease_until.
	 */
	async claim(owner: string, limit: number, leaseUntil: number, excludeWebhooks: number[] = [], now = Date.now(), options: ClaimOptions = {}): Promise<ClaimedDelivery[]> {
		if (limit <= 0) return [];
		const { onlyWebhook, ordered = false } = options;
		// A claimed window is closed: later events open a new one.
		const lease = { status: 'sending', lease_owner: owner, lease_until: leaseUntil, next_attempt_at: leaseUntil, debounce_key: null };
		const due = (query: Knex.QueryBuilder) => {
			query
				.where('next_attempt_at', '<=', now)
				.andWhere((where) => where.where('status', 'pending').orWhere('lease_until', '<', now))
				.orderBy('next_attempt_at', 'asc')
				.limit(limit);
			if (excludeWebhooks.length > 0) query.whereNotIn('webhook', excludeWebhooks);
			if (onlyWebhook !== undefined) query.andWhere('webhook', onlyWebhook);
			if (ordered) query.andWhere((where) => where.whereNull('order_key').orWhereNotExists(earlierUnsettled(this.knex)));
			return query;
		};

		let rows: Record<string, unknown>[];
		if (this.dialect === 'mysql') {
			// No UPDATE ... RETURNING here: lock the rows, then update and return what we locked.
			rows = await retryOnLockConflict(() =>
				this.knex.transaction(async (trx) => {
					const locked = await due(trx(DELIVERIES_COLLECTION).select(CLAIM_COLUMNS)).forUpdate().skipLocked();
					if (locked.length === 0) return [];
					await trx(DELIVERIES_COLLECTION).whereIn('id', locked.map((row: { id: unknown }) => row.id)).update(lease);
					return locked;
				}, this.transactionConfig),
			);
		} else {
			// One atomic statement: the subquery picks due rows (skipping rows other instances
			// have locked, on PostgreSQL), the update leases exactly those.
			const pick = due(this.knex(DELIVERIES_COLLECTION).select('id'));
			if (this.dialect === 'postgres') pick.forUpdate().skipLocked();
			rows = await this.knex(DELIVERIES_COLLECTION).whereIn('id', pick).update(lease).returning(CLAIM_COLUMNS);
		}
		return rows.map((row) => ({
			id: Number(row.id),
			webhook: Number(row.webhook),
			message_id: String(row.message_id),
			event: String(row.event),
			collection: (row.collection as string | null) ?? null,
			item_key: (row.item_key as string | null) ?? null,
			event_data: toJson<Record<string, unknown>>(row.event_data, {}),
			attempts: toNumber(row.attempts) ?? 0,
			lease_until: leaseUntil,
			created_at: toNumber(row.created_at) ?? undefined,
			order_key: (row.order_key as string | null) ?? null,
		}));
	}

	/** Records a batch of outcomes in one transaction; only rows still leased by `owner` change. */
	async record(owner: string, outcomes: Outcome[], now = Date.now()): Promise<void> {
		if (outcomes.length === 0) return;
		await retryOnLockConflict(() => this.knex.transaction((trx) => this.recordWith(trx, owner, outcomes, now), this.transactionConfig));
	}

	private async recordWith(trx: Knex.Transaction, owner: string, outcomes: Outcome[], now: number): Promise<void> {
		for (let index = 0; index < outcomes.length; index += INSERT_CHUNK) {
			await insertRows(
				trx,
				ATTEMPTS_COLLECTION,
				outcomes.slice(index, index + INSERT_CHUNK).map(({ attempt }) => ({
					...attempt,
					request_headers: JSON.stringify(attempt.request_headers),
					response_headers: attempt.response_headers === null ? null : JSON.stringify(attempt.response_headers),
				})),
			);
		}
		// One UPDATE per chunk whatever the outcomes: retries each carry their own next attempt
		// time, and a statement per row would let recording fall behind sending.
		const latest = new Map<number, Record<string, unknown>>();
		// Batches without ordered deliveries leave order_key out of the UPDATE, as before it existed.
		const ordered = outcomes.some((outcome) => outcome.delivery.order_key);
		for (const outcome of outcomes) latest.set(outcome.delivery.id, outcomeValues(outcome, now, ordered));
		// Rows locked in key order, as every other statement here takes them.
		const ids = [...latest.keys()].sort((x, y) => x - y);
		for (let index = 0; index < ids.length; index += INSERT_CHUNK) {
			const chunk = ids.slice(index, index + INSERT_CHUNK);
			await trx(DELIVERIES_COLLECTION)
				.whereIn('id', chunk)
				.andWhere({ lease_owner: owner })
				.update(this.perRowValues(trx, chunk, latest));
		}
	}

	/** Column values for an UPDATE of `ids`: a plain value where all rows agree, else CASE id WHEN … END. */
	private perRowValues(trx: Knex.Transaction, ids: number[], values: Map<number, Record<string, unknown>>): Record<string, unknown> {
		const first = values.get(ids[0]!)!;
		const update: Record<string, unknown> = {};
		for (const column of Object.keys(first)) {
			if (ids.every((id) => values.get(id)![column] === first[column])) {
				update[column] = first[column];
				continue;
			}
			// PostgreSQL types untyped parameters in a CASE as text; say what the column holds.
			const type = this.dialect === 'postgres' ? OUTCOME_COLUMN_TYPES[column] : undefined;
			const value = type ? `cast(? as ${type})` : '?';
			update[column] = trx.raw(`case ?? ${ids.map(() => `when ? then ${value}`).join(' ')} end`, [
				'id',
				...ids.flatMap((id) => [id, values.get(id)![column] ?? null]),
			]);
		}
		return update;
	}

	/** Gives leased deliveries back, due at once (shutdown, webhook saturated). */
	async release(owner: string, ids: number[], now = Date.now()): Promise<void> {
		if (ids.length === 0) return;
		await retryOnLockConflict(() =>
			this.knex(DELIVERIES_COLLECTION)
				.whereIn('id', ids)
				.andWhere({ status: 'sending', lease_owner: owner })
				.update({ status: 'pending', lease_owner: null, lease_until: null, next_attempt_at: now }),
		);
	}

	/** Puts a delivery back in the queue for an immediate new attempt (same message id). */
	async resend(id: number, now = Date.now()): Promise<boolean> {
		const changed = await this.knex(DELIVERIES_COLLECTION)
			.where({ id })
			.whereNot('status', 'sending')
			.update({ status: 'pending', next_attempt_at: now, finished_at: null, lease_owner: null, lease_until: null });
		return Number(changed) > 0;
	}

	/** Marks a webhook's waiting deliveries as skipped (webhook disabled or deleted). */
	async skipPending(webhook: number, reason: string, now = Date.now()): Promise<void> {
		await this.knex(DELIVERIES_COLLECTION)
			.where({ webhook, status: 'pending' })
			.update({ status: 'skipped', last_error: reason, finished_at: now, next_attempt_at: null, debounce_key: null, missed: true, order_key: null });
	}

	/**
	 * The queue as a whole, for metrics: one aggregate over the unfinished rows (status is indexed).
	 * Due means claimable now, as in claim: pending and due, or leased by an instance whose lease ended.
	 */
	async queueDepth(now = Date.now()): Promise<QueueDepth> {
		const due = "next_attempt_at <= ? and (status = 'pending' or lease_until < ?)";
		const row = await this.knex(DELIVERIES_COLLECTION)
			.whereIn('status', ['pending', 'sending'])
			.first(
				this.knex.raw("sum(case when status = 'pending' then 1 else 0 end) as pending"),
				this.knex.raw("sum(case when status = 'sending' then 1 else 0 end) as sending"),
				this.knex.raw(`sum(case when ${due} then 1 else 0 end) as due`, [now, now]),
				this.knex.raw(`min(case when ${due} then next_attempt_at end) as oldest_due`, [now, now]),
			);
		const oldestDue = toNumber(row?.oldest_due);
		return {
			pending: toNumber(row?.pending) ?? 0,
			sending: toNumber(row?.sending) ?? 0,
			due: toNumber(row?.due) ?? 0,
			oldestDueAgeMs: oldestDue === null ? 0 : Math.max(0, now - oldestDue),
		};
	}

	/** Retention: drops finished deliveries (and their attempts) older than `before`. */
	async purgeFinished(before: number, batch = 1000): Promise<number> {
		let removed = 0;
		for (;;) {
			const ids = (
				await this.knex(DELIVERIES_COLLECTION)
					.select('id')
					.whereIn('status', ['succeeded', 'failed', 'skipped'])
					.andWhere('created_at', '<', before)
					.limit(batch)
			).map((row: { id: unknown }) => Number(row.id));
			if (ids.length === 0) return removed;
			await this.knex.transaction(async (trx) => {
				await trx(ATTEMPTS_COLLECTION).whereIn('delivery', ids).delete();
				await trx(DELIVERIES_COLLECTION).whereIn('id', ids).delete();
			});
			removed += ids.length;
		}
	}

	async deleteForWebhooks(webhooks: number[]): Promise<void> {
		if (webhooks.length === 0) return;
		await this.knex.transaction(async (trx) => {
			await trx(ATTEMPTS_COLLECTION).whereIn('webhook', webhooks).delete();
			await trx(DELIVERIES_COLLECTION).whereIn('webhook', webhooks).delete();
		});
	}
}

const OUTCOME_COLUMN_TYPES: Record<string, string> = {
	status: 'varchar',
	attempts: 'integer',
	last_status: 'integer',
	last_error: 'text',
	next_attempt_at: 'bigint',
	finished_at: 'bigint',
	missed: 'boolean',
	order_key: 'varchar',
};

function outcomeValues(outcome: Outcome, now: number, ordered: boolean): Record<string, unknown> {
	return {
		status: outcome.status,
		attempts: outcome.attempt.attempt,
		last_status: outcome.attempt.response_status,
		last_error: outcome.error,
		next_attempt_at: outcome.nextAttemptAt,
		finished_at: outcome.status === 'pending' ? null : now,
		missed: outcome.missed === true,
		lease_owner: null,
		lease_until: null,
		// A settled row no longer holds back the next of its item; a retry still does.
		...(ordered ? { order_key: outcome.status === 'pending' ? (outcome.delivery.order_key ?? null) : null } : {}),
	};
}

/**
 * An earlier row of the same item (order_key) that is not settled yet: pending, waiting for a
 * retry, or being sent. Only unsettled rows keep a key, so the order_key index finds them at once.
 */
function earlierUnsettled(knex: Knex): Knex.QueryBuilder {
	return knex(`${DELIVERIES_COLLECTION} as earlier`)
		.select(knex.raw('1'))
		.whereRaw('?? = ??', ['earlier.order_key', `${DELIVERIES_COLLECTION}.order_key`])
		.andWhereRaw('?? < ??', ['earlier.id', `${DELIVERIES_COLLECTION}.id`]);
}

/** Only a lost race for a window's key; any other duplicate would fail again. */
function lostWindowRace(error: unknown): boolean {
	return isUniqueViolation(error) && /debounce_key|'window:/.test(error instanceof Error ? error.message : '');
}
