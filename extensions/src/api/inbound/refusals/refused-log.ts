// The refused-request log: every call an endpoint refused (and every provider handshake it
// answered), with when, why, the status, source address, method, size and redacted headers, never
// the body. "Why did Stripe's calls fail?" is answered here. It is a plain table the extension owns
// (no Directus collection: it counts against no licence limit and has no item permissions of its
// own), read only through the endpoints API as whoever may read the endpoint. Written in batches
// off the request path and kept to the newest N per endpoint, so a flood of refusals costs a
// bounded table and bounded memory.
import type { Knex } from 'knex';
import { BatchWriter } from '../../outbound/queue/batch-writer';
import { insertRows } from '../../db/multi-row-insert';
import { toJson, toNumber } from '../../db/rows';
import type { Logger } from '../../lib/logger';
import { redactHeaders } from '../http/body-parser';

export const REFUSED_TABLE = 'webhooks_refused';

export interface Refusal {
	endpoint: number;
	/** auth, method, too_large, validation, rate_limited, rejected, paused, busy, timeout, handshake … */
	kind: string;
	status: number;
	reason: string;
	ip: string | null;
	method: string;
	/** The declared body size (Content-Length), when given. */
	bytes: number | null;
	headers: Record<string, string | string[] | undefined>;
	/** Header names holding the endpoint's own credentials (redacted too). */
	secretHeaders?: readonly string[];
}

export interface RefusedEntry {
	id: number;
	at: number;
	kind: string;
	status: number;
	reason: string;
	source_ip: string | null;
	method: string;
	bytes: number | null;
	headers: Record<string, string>;
}

export interface RefusedSummary {
	endpoint: number;
	count: number;
	/** The most frequent reason in the window, and how often. */
	top_reason: string | null;
	top_count: number;
}

const MAX_REASON = 500;
const BATCH = 500;
const DELAY_MS = 200;
// Beyond this many unwritten entries new ones are dropped (and counted): a flood must not grow memory.
const MAX_BACKLOG = 10_000;

export class RefusedLog {
	private readonly knex: Knex;
	private readonly logger: Pick<Logger, 'warn'>;
	private readonly keep: number;
	private readonly writer: BatchWriter<Record<string, unknown>>;
	private dropped = 0;

	constructor(knex: Knex, logger: Pick<Logger, 'warn'>, keepPerEndpoint: number) {
		this.knex = knex;
		this.logger = logger;
		this.keep = keepPerEndpoint;
		this.writer = new BatchWriter({
			maxBatch: BATCH,
			delayMs: DELAY_MS,
			write: (rows) => this.write(rows),
			onError: (error, rows) => this.logger.warn(error, `[webhooks] could not log ${rows.length} refused inbound requests`),
		});
	}

	/** Creates the table where it is missing (startup). */
	static async ensureTable(knex: Knex): Promise<void> {
		if (await knex.schema.hasTable(REFUSED_TABLE)) return;
		await knex.schema.createTable(REFUSED_TABLE, (table) => {
			table.increments('id').primary();
			table.integer('endpoint').notNullable();
			table.bigInteger('at').notNullable();
			table.string('kind', 32).notNullable();
			table.integer('status').notNullable();
			table.text('reason');
			table.string('source_ip', 64);
			table.string('method', 16);
			table.bigInteger('bytes');
			table.text('headers');
			table.index(['endpoint', 'id']);
			table.index(['at']);
		}).catch(async (error: unknown) => {
			// Another instance created it meanwhile.
			if (!(await knex.schema.hasTable(REFUSED_TABLE))) throw error;
		});
	}

	add(refusal: Refusal, now = Date.now()): void {
		if (this.writer.backlog >= MAX_BACKLOG) {
			this.dropped++;
			return;
		}
		this.writer.add({
			endpoint: refusal.endpoint,
			at: now,
			kind: refusal.kind,
			status: refusal.status,
			reason: refusal.reason.length > MAX_REASON ? `${refusal.reason.slice(0, MAX_REASON)}…` : refusal.reason,
			source_ip: refusal.ip?.slice(0, 64) ?? null,
			method: refusal.method.slice(0, 16),
			bytes: refusal.bytes,
			headers: JSON.stringify(redactHeaders(refusal.headers, refusal.secretHeaders)),
		});
	}

	/** Resolves once everything added so far is written. */
	flush(): Promise<void> {
		return this.writer.flush();
	}

	/** The endpoint's newest entries, newest first. */
	async list(endpoint: number, options: { limit: number; since?: number }): Promise<RefusedEntry[]> {
		const query = this.knex(REFUSED_TABLE).where({ endpoint }).orderBy('id', 'desc').limit(options.limit);
		if (options.since !== undefined) query.andWhere('at', '>=', options.since);
		const rows: Record<string, unknown>[] = await query;
		return rows.map((row) => ({
			id: Number(row.id),
			at: toNumber(row.at) ?? 0,
			kind: String(row.kind),
			status: Number(row.status),
			reason: String(row.reason ?? ''),
			source_ip: (row.source_ip as string | null) ?? null,
			method: String(row.method ?? ''),
			bytes: toNumber(row.bytes),
			headers: toJson<Record<string, string>>(row.headers, {}),
		}));
	}

	/** Per endpoint: refusals since `since` and the most frequent reason (handshakes not counted). */
	async summary(endpoints: number[], since: number): Promise<RefusedSummary[]> {
		if (endpoints.length === 0) return [];
		const rows: { endpoint: unknown; reason: unknown; n: unknown }[] = await this.knex(REFUSED_TABLE)
			.select('endpoint', 'reason')
			.count({ n: '*' })
			.whereIn('endpoint', endpoints)
			.andWhere('at', '>=', since)
			.andWhereNot('kind', 'handshake')
			.groupBy('endpoint', 'reason');
		return endpoints.map((endpoint) => {
			const mine = rows.filter((row) => Number(row.endpoint) === endpoint).map((row) => ({ reason: String(row.reason ?? ''), n: toNumber(row.n) ?? 0 }));
			const top = mine.sort((a, b) => b.n - a.n)[0];
			return { endpoint, count: mine.reduce((sum, row) => sum + row.n, 0), top_reason: top?.reason ?? null, top_count: top?.n ?? 0 };
		});
	}

	private async write(rows: Record<string, unknown>[]): Promise<void> {
		await insertRows(this.knex, REFUSED_TABLE, rows);
		if (this.dropped > 0) {
			this.logger.warn(`[webhooks] ${this.dropped} refused inbound requests were not logged (too many at once)`);
			this.dropped = 0;
		}
		// Only the newest `keep` per endpoint stay.
		for (const endpoint of new Set(rows.map((row) => Number(row.endpoint)))) {
			const oldestKept = await this.knex(REFUSED_TABLE).select('id').where({ endpoint }).orderBy('id', 'desc').offset(this.keep - 1).limit(1).first();
			if (oldestKept) await this.knex(REFUSED_TABLE).where({ endpoint }).andWhere('id', '<', oldestKept.id).delete();
		}
	}
}
