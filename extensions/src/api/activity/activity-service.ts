// Numbers for the admin module and the Insights panel: each webhook's last result and 24 h success
// rate, and deliveries and inbound requests over time. Only webhooks and endpoints the caller may
// read (through Directus permissions) are counted.
import { DELIVERIES_COLLECTION, ENDPOINTS_COLLECTION, OUTGOING_COLLECTION } from '../../shared/collections';
import { ACTIVITY_OUTCOMES, type ActivityBucket, type WebhookSummary } from '../../shared/activity';
import type { Accountability, ExtensionContext, SchemaOverview } from '../context';
import { toNumber } from '../db/rows';
import { REFUSED_TABLE } from '../inbound/refusals/refused-log';

export interface ActivityServiceOptions {
	context: ExtensionContext;
	schema: SchemaOverview;
	accountability: Accountability | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_HOURS = 24 * 31;
const MAX_BUCKETS = 96;
// Well under every supported database's bind-parameter limit (SQLite 32,766).
const ID_PAGE = 5000;

export class ActivityService {
	private readonly options: ActivityServiceOptions;

	constructor(options: ActivityServiceOptions) {
		this.options = options;
	}

	/**
	 * The ids of `collection` the caller may read (Directus applies their permissions), a page at a
	 * time: one IN (…) of every id breaks past the databases' bind-parameter limits.
	 */
	private async *visibleIdPages(collection: string, only: number | null = null): AsyncGenerator<number[]> {
		const { context, schema, accountability } = this.options;
		// Admins read everything: their pages come straight from the table.
		const readPage =
			!accountability || accountability.admin
				? (after: number | null) => {
						const query = context.database(collection).select('id').orderBy('id').limit(ID_PAGE);
						if (after !== null) query.where('id', '>', after);
						if (only !== null) query.where('id', only);
						return query as Promise<{ id: unknown }[]>;
					}
				: (after: number | null) => {
						const items = new context.services.ItemsService(collection, { knex: context.database, schema, accountability });
						const bounds = [...(after === null ? [] : [{ id: { _gt: after } }]), ...(only === null ? [] : [{ id: { _eq: only } }])];
						const filter = (bounds.length === 0 ? undefined : { _and: bounds }) as never;
						return items.readByQuery({ fields: ['id'], sort: ['id'], limit: ID_PAGE, filter }) as Promise<{ id: unknown }[]>;
					};
		let after: number | null = null;
		for (;;) {
			const rows = await readPage(after);
			if (rows.length > 0) yield rows.map((row) => Number(row.id));
			if (rows.length < ID_PAGE) return;
			after = Number(rows[rows.length - 1]!.id);
		}
	}

	/** Per webhook: the newest delivery's outcome and the share of deliveries of the last 24 h that succeeded. */
	async summaries(now = Date.now()): Promise<WebhookSummary[]> {
		const summaries: WebhookSummary[] = [];
		for await (const ids of this.visibleIdPages(OUTGOING_COLLECTION)) summaries.push(...(await this.summaryPage(ids, now)));
		return summaries;
	}

	private async summaryPage(ids: number[], now: number): Promise<WebhookSummary[]> {
		const knex = this.options.context.database;
		// `retried`: at least one attempt made, so an unfinished delivery's last attempt failed.
		const retried = knex.raw('case when ?? > 0 then 1 else 0 end', ['attempts']);
		const counts: { webhook: unknown; status: string; retried: unknown; n: unknown }[] = await knex(DELIVERIES_COLLECTION)
			.select('webhook', 'status', knex.raw('case when ?? > 0 then 1 else 0 end as retried', ['attempts']))
			.count({ n: '*' })
			.whereIn('webhook', ids)
			.andWhere('created_at', '>=', now - DAY_MS)
			.groupBy('webhook', 'status', retried);
		const latest: Record<string, unknown>[] = await knex(DELIVERIES_COLLECTION)
			.select('webhook', 'status', 'last_status', 'created_at', 'finished_at')
			.whereIn('id', knex(DELIVERIES_COLLECTION).max('id').whereIn('webhook', ids).groupBy('webhook'));
		const countsOf = new Map<number, { status: string; retried: boolean; n: number }[]>();
		for (const row of counts) {
			const id = Number(row.webhook);
			const list = countsOf.get(id) ?? [];
			list.push({ status: row.status, retried: toNumber(row.retried) === 1, n: toNumber(row.n) ?? 0 });
			countsOf.set(id, list);
		}
		const latestOf = new Map(latest.map((row) => [Number(row.webhook), row]));
		return ids.map((id) => {
			const mine = countsOf.get(id) ?? [];
			const count = (status: string, retriedOnly = false) =>
				mine.filter((row) => row.status === status && (!retriedOnly || row.retried)).reduce((sum, row) => sum + row.n, 0);
			const succeeded = count('succeeded');
			// Failing and retrying counts as failing: a receiver that is down shows at once, not after the last retry.
			const failed = count('failed') + count('pending', true) + count('sending', true);
			const last = latestOf.get(id);
			return {
				webhook: id,
				deliveries_24h: mine.reduce((sum, row) => sum + row.n, 0),
				success_rate_24h: succeeded + failed === 0 ? null : succeeded / (succeeded + failed),
				last_status: (last?.status as string | undefined) ?? null,
				last_response_status: toNumber(last?.last_status),
				last_at: toNumber(last?.finished_at) ?? toNumber(last?.created_at),
			};
		});
	}

	/** Deliveries by outcome and inbound requests, in equal buckets over the last `hours`. */
	async timeline(input: { hours?: unknown; webhook?: unknown; endpoint?: unknown }, now = Date.now()): Promise<ActivityBucket[]> {
		const hours = Math.min(MAX_HOURS, Math.max(1, Math.floor(toNumber(input.hours) ?? 24)));
		const bucketCount = Math.min(MAX_BUCKETS, hours);
		const bucketMs = (hours * 60 * 60 * 1000) / bucketCount;
		const since = now - hours * 60 * 60 * 1000;
		const buckets: ActivityBucket[] = Array.from({ length: bucketCount }, (_, index) => ({
			start: Math.round(since + index * bucketMs),
			...Object.fromEntries(ACTIVITY_OUTCOMES.map((outcome) => [outcome, 0])),
			inbound: 0,
			refused: 0,
		}) as ActivityBucket);
		const slot = (at: number) => Math.min(bucketCount - 1, Math.floor((at - since) / bucketMs));
		const knex = this.options.context.database;

		if (input.endpoint === undefined) {
			for await (const webhooks of this.visibleIdPages(OUTGOING_COLLECTION, toNumber(input.webhook))) {
				const rows: { created_at: unknown; status: string }[] = await knex(DELIVERIES_COLLECTION)
					.select('created_at', 'status')
					.whereIn('webhook', webhooks)
					.andWhere('created_at', '>=', since);
				for (const row of rows) {
					const outcome = ACTIVITY_OUTCOMES.find((candidate) => candidate === row.status) ?? 'pending';
					const at = toNumber(row.created_at);
					if (at !== null) buckets[slot(at)]![outcome] += 1;
				}
			}
		}

		if (input.webhook === undefined) {
			for await (const endpointIds of this.visibleIdPages(ENDPOINTS_COLLECTION, toNumber(input.endpoint))) {
				const collections: { collection: string }[] = await knex(ENDPOINTS_COLLECTION).distinct('collection').whereIn('id', endpointIds);
				for (const row of await refusedSince(knex, endpointIds, since)) buckets[slot(row.at)]!.refused += 1;
				for (const { collection } of collections) {
					if (!collection || !this.options.schema.collections[collection]) continue;
					// Storage may be shared with endpoints the caller does not see.
					const rows: { received_at: unknown }[] = await knex(collection).select('received_at').whereIn('endpoint', endpointIds).andWhere('received_at', '>=', new Date(since));
					for (const row of rows) {
						const at = epochMs(row.received_at);
						if (at !== null && at >= since) buckets[slot(at)]!.inbound += 1;
					}
				}
			}
		}
		return buckets;
	}
}

/** Refusals of these endpoints since `since` (the log's table is made at startup). */
async function refusedSince(knex: ExtensionContext['database'], endpoints: number[], since: number): Promise<{ at: number }[]> {
	const rows: { at: unknown }[] = await knex(REFUSED_TABLE).select('at').whereIn('endpoint', endpoints).andWhere('at', '>=', since).andWhereNot('kind', 'handshake');
	return rows.map((row) => ({ at: toNumber(row.at) ?? since }));
}

/** Timestamps as drivers return them: Date (PostgreSQL, MariaDB), epoch ms (SQLite) or text. */
function epochMs(value: unknown): number | null {
	if (value instanceof Date) return value.getTime();
	const number = toNumber(value);
	if (number !== null) return number;
	const parsed = Date.parse(String(value));
	return Number.isFinite(parsed) ? parsed : null;
}
