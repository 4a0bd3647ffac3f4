// In-memory view of the outgoing webhooks, indexed by collection and action so matching an
// item event costs a map lookup however many webhooks exist.
import type { Knex } from 'knex';
import { OUTGOING_COLLECTION } from '../../../shared/collections';
import { DEBOUNCE_MAX_FACTOR, WEBHOOK_DEFAULTS, type PayloadMode, type WebhookAction, type WebhookHeader } from '../../../shared/webhook';
import { toBool, toCsv, toJson, toNumber } from '../../db/rows';
import { PolledRegistry, signatureOf } from '../../lib/polled-registry';
import type { Logger } from '../../lib/logger';
import { SecretBox } from '../../lib/secret-box';

export interface RegisteredWebhook {
	id: number;
	name: string;
	method: string;
	url: string;
	active: boolean;
	data: boolean;
	actions: WebhookAction[];
	collections: string[];
	headers: WebhookHeader[];
	filter: Record<string, unknown> | null;
	/** Updates fire only for items that matched it before the write (previous-match). */
	previousFilter: Record<string, unknown> | null;
	watchFields: string[];
	fields: string[];
	payload: PayloadMode;
	itemRole: string | null;
	includePrevious: boolean;
	/** Fold nested child events of a parent write into the parent's delivery (nested-groups). */
	groupNested: boolean;
	/** Inactive, its matching events are still recorded as missed (not sent) for replay-missed. */
	recordWhileInactive: boolean;
	/** Null: the default body. */
	bodyTemplate: string | null;
	contentType: string;
	/** 0: off. */
	debounceSeconds: number;
	/** How long after a window's first event its delivery goes at the latest. */
	debounceMaxSeconds: number;
	/** Signing secrets in clear: the current one first, then a rotated one still in its overlap. */
	secrets: string[];
	failingSince: number | null;
	/** Creator, last editor and last non-admin editor (scope_owner), when recorded: deliveries send only what they may read. */
	owners: string[];
	/** Requests per second across all instances; null: no limit (throttle). */
	rateLimitPerSecond: number | null;
	/** One delivery at a time per item, in commit order (the claim's order_key). */
	ordered: boolean;
}

export class WebhookRegistry extends PolledRegistry {
	private readonly knex: Knex;
	private readonly box: SecretBox;
	private byId = new Map<number, RegisteredWebhook>();
	private index = new Map<string, RegisteredWebhook[]>();
	private limitedList: RegisteredWebhook[] = [];
	private anyOrdered = false;

	constructor(knex: Knex, box: SecretBox, logger: Pick<Logger, 'warn'>) {
		super('webhook config', logger);
		this.knex = knex;
		this.box = box;
	}

	/** Webhooks for an item event: the active ones, and inactive ones that record what they miss. */
	match(collection: string, action: WebhookAction): RegisteredWebhook[] {
		return this.index.get(`${collection}\u0000${action}`) ?? [];
	}

	get(id: number): RegisteredWebhook | undefined {
		return this.byId.get(id);
	}

	all(): RegisteredWebhook[] {
		return [...this.byId.values()];
	}

	/** Active webhooks with a rate limit: the dispatcher claims for these apart from the rest. */
	limited(): readonly RegisteredWebhook[] {
		return this.limitedList;
	}

	/** Whether an active webhook delivers in order (the claim then checks earlier rows). */
	hasOrdered(): boolean {
		return this.anyOrdered;
	}

	protected async readSignature(): Promise<string> {
		const row = await this.knex(OUTGOING_COLLECTION)
			.first(
				this.knex.raw('count(*) as n'),
				this.knex.raw('max(id) as m'),
				this.knex.raw('max(date_updated) as u'),
				// Our own status/secret writes bypass date_updated; these sums still move.
				this.knex.raw("sum(case when status = 'active' then id else 0 end) as a"),
				this.knex.raw('sum(case when secret_previous_expires is null then 0 else id end) as r'),
				// Failure state another instance recorded: this one then tells of the recovery too.
				this.knex.raw('sum(case when failing_since is null then 0 else id end) as f'),
			);
		return signatureOf([row?.n, row?.m, row?.u, row?.a, row?.r, row?.f]);
	}

	protected async load(): Promise<void> {
		const rows: Record<string, unknown>[] = await this.knex(OUTGOING_COLLECTION).select('*');
		const byId = new Map<number, RegisteredWebhook>();
		const index = new Map<string, RegisteredWebhook[]>();
		const now = Date.now();
		for (const row of rows) {
			const webhook = this.fromRow(row, now);
			byId.set(webhook.id, webhook);
			if (!webhook.active && !webhook.recordWhileInactive) continue;
			for (const collection of webhook.collections) {
				for (const action of webhook.actions) {
					const key = `${collection}\u0000${action}`;
					// Appended in place: copying the list per webhook made 10,000 on one collection a quadratic load.
					const list = index.get(key);
					if (list) list.push(webhook);
					else index.set(key, [webhook]);
				}
			}
		}
		this.byId = byId;
		this.index = index;
		const active = [...byId.values()].filter((webhook) => webhook.active);
		this.limitedList = active.filter((webhook) => webhook.rateLimitPerSecond !== null);
		this.anyOrdered = active.some((webhook) => webhook.ordered);
	}

	/** Header values as sent: secret ones are stored sealed (or in clear by versions before sealing). */
	private openHeaders(row: Record<string, unknown>): WebhookHeader[] {
		const headers: WebhookHeader[] = [];
		for (const header of toJson<WebhookHeader[]>(row.headers, []) ?? []) {
			if (!header?.secret || !SecretBox.isSealed(header.value)) {
				headers.push(header);
				continue;
			}
			try {
				headers.push({ ...header, value: this.box.open(header.value) });
			} catch {
				// Sent without it rather than with the sealed text: the receiver will say what is missing.
				this.logger.warn({ webhook: row.id }, `[webhooks] the ${header.header} header of webhook ${String(row.id)} cannot be decrypted (was SECRET changed?)`);
			}
		}
		return headers;
	}

	private fromRow(row: Record<string, unknown>, now: number): RegisteredWebhook {
		const secrets: string[] = [];
		for (const [column, expiresColumn] of [['secret', null], ['secret_previous', 'secret_previous_expires']] as const) {
			const sealed = row[column];
			if (typeof sealed !== 'string' || sealed === '') continue;
			if (expiresColumn && (toNumber(row[expiresColumn]) ?? 0) < now) continue;
			try {
				secrets.push(this.box.open(sealed));
			} catch {
				this.logger.warn({ webhook: row.id }, `[webhooks] the ${column} of webhook ${String(row.id)} cannot be decrypted (was SECRET changed?)`);
			}
		}
		const debounceSeconds = Math.max(0, toNumber(row.debounce_seconds) ?? 0);
		return {
			id: Number(row.id),
			name: String(row.name ?? ''),
			method: String(row.method ?? 'POST').toUpperCase(),
			url: String(row.url ?? ''),
			active: row.status === 'active',
			data: row.data === null || row.data === undefined ? true : toBool(row.data),
			actions: toCsv(row.actions) as WebhookAction[],
			collections: toCsv(row.collections),
			headers: this.openHeaders(row),
			filter: toJson<Record<string, unknown> | null>(row.filter, null),
			previousFilter: toJson<Record<string, unknown> | null>(row.previous_filter, null),
			watchFields: toCsv(row.watch_fields),
			fields: toCsv(row.fields),
			payload: row.payload === 'item' ? 'item' : 'event',
			itemRole: (row.item_role as string | null) ?? null,
			includePrevious: toBool(row.include_previous),
			groupNested: toBool(row.group_nested),
			// Columns added by an upgrade start as their default (on).
			recordWhileInactive: row.record_while_inactive === null || row.record_while_inactive === undefined ? true : toBool(row.record_while_inactive),
			bodyTemplate: typeof row.body_template === 'string' && row.body_template !== '' ? row.body_template : null,
			contentType: typeof row.content_type === 'string' && row.content_type !== '' ? row.content_type : WEBHOOK_DEFAULTS.content_type,
			debounceSeconds,
			// Never shorter than the quiet spell itself.
			debounceMaxSeconds: Math.max(debounceSeconds, toNumber(row.debounce_max_seconds) ?? debounceSeconds * DEBOUNCE_MAX_FACTOR),
			secrets,
			failingSince: toNumber(row.failing_since),
			owners: [...new Set([row.user_created, row.user_updated, row.scope_owner].filter((user): user is string => typeof user === 'string' && user !== ''))],
			rateLimitPerSecond: (toNumber(row.rate_limit_per_second) ?? 0) >= 1 ? toNumber(row.rate_limit_per_second) : null,
			ordered: toBool(row.ordered),
		};
	}
}

