// Turns an item event into matching webhooks' outbox entries: one delivery per webhook and
// item, so batch writes fire once per item; a debounced webhook's events go to its open window
// instead (one delivery per burst). An inactive webhook that records what it misses gets its row
// written as missed (skipped, never claimed); replay-missed sends those later. Entries are written
// by the outbox after Directus commits, or inside the write's own transaction (transaction-capture).
import { SINGLE_KEY_ACTIONS, type WebhookAction } from '../../../shared/webhook';
import type { OutboxEntry, Outbox } from '../queue/outbox';
import type { WindowEntry, WindowEvent } from '../queue/debounce-window';
import type { PreviousValues } from './previous-values';
import type { Promotions } from './promotions';
import { isUploadBookkeeping } from './upload-bookkeeping';
import { READERS_BEFORE, type PriorAccess } from './prior-access';
import type { PreviousMatch, Transitions } from './previous-match';
import { messageId } from '../queue/message-id';
import type { RegisteredWebhook, WebhookRegistry } from '../config/webhook-registry';

export interface ItemEvent {
	action: WebhookAction;
	collection: string;
	keys: (string | number)[];
	payload: unknown;
	accountability: { user?: string | null; role?: string | null } | null;
	/** A promote's content version. */
	version?: { id: string; key: string | null; name: string | null };
}

export class EventCapture {
	private readonly registry: WebhookRegistry;
	private readonly outbox: Outbox;
	private readonly previous: PreviousValues;
	private readonly access: PriorAccess;
	private readonly promotions: Promotions;
	private readonly matches: PreviousMatch;

	constructor(registry: WebhookRegistry, outbox: Outbox, previous: PreviousValues, access: PriorAccess, promotions: Promotions, matches: PreviousMatch) {
		this.registry = registry;
		this.outbox = outbox;
		this.previous = previous;
		this.access = access;
		this.promotions = promotions;
		this.matches = matches;
	}

	/** After the commit: the entries go to the outbox's buffer. */
	capture(event: ItemEvent): void {
		const rows = this.entries(event);
		if (rows.length > 0) this.outbox.add(rows);
	}

	/** What the event adds to the outbox (nothing when no webhook fires). */
	entries(event: ItemEvent): OutboxEntry[] {
		if (event.action === 'update' && isUploadBookkeeping(event.collection, event.payload)) return [];
		const promoting = event.action === 'update' && this.promotions.take(event.collection, event.keys);
		const webhooks = this.registry.match(event.collection, event.action).filter((webhook) => fires(webhook, event) && !(promoting && webhook.actions.includes('promote')));
		if (webhooks.length === 0) return [];
		const previous = this.previous.take(event.collection, event.keys);
		const readersBefore = this.access.take(event.collection, event.keys);
		const transitions = this.matches.take(event.collection, event.action, event.keys);
		const rows: OutboxEntry[] = [];
		const single: RegisteredWebhook[] = [];
		for (const webhook of webhooks) {
			// Missed events are kept one per item: replay-missed gathers a debounced webhook's into one window.
			if (webhook.debounceSeconds === 0 || !webhook.active) {
				single.push(webhook);
				continue;
			}
			const keys = transitions.keys(webhook, event.keys);
			if (keys.length > 0) rows.push(windowEvent(webhook, { ...event, keys }, readersBefore));
		}
		if (single.length > 0) this.addSingleDeliveries(rows, event, single, previous, readersBefore, transitions);
		return rows;
	}

	/** One delivery per item and webhook, added to `rows` (a bulk write may make very many). */
	private addSingleDeliveries(rows: OutboxEntry[], event: ItemEvent, webhooks: RegisteredWebhook[], previous: Map<string, Record<string, unknown>>, readersBefore: Map<string, Map<number, string[]>>, transitions: Transitions): void {
		const accountability = event.accountability ? { user: event.accountability.user ?? null, role: event.accountability.role ?? null } : null;
		for (const key of event.keys) {
			const base = {
				event: `${event.collection}.items.${event.action}`,
				accountability,
				// Delete events carry the keys as payload; per item that is the key itself.
				payload: event.action === 'delete' ? null : event.payload,
				...(SINGLE_KEY_ACTIONS.includes(event.action) ? { key } : { keys: [key] }),
				collection: event.collection,
				...(event.version ? { version: event.version } : {}),
				action: event.action,
			};
			const before = previous.get(String(key));
			const readers = readersBefore.get(String(key));
			for (const webhook of webhooks) {
				if (!transitions.fires(webhook, key)) continue;
				let data: Record<string, unknown> = webhook.includePrevious && before ? { ...base, previous: before } : base;
				const checked = readers?.get(webhook.id);
				if (checked) data = { ...data, [READERS_BEFORE]: checked };
				rows.push({
					webhook: webhook.id,
					message_id: messageId(),
					event: base.event,
					collection: event.collection,
					item_key: String(key),
					event_data: data,
					...(webhook.active ? {} : { missed: true as const }),
					...(webhook.ordered ? { ordered: true } : {}),
				});
			}
		}
	}
}

/** A debounced webhook gets the event for its window (debounce-window), not a delivery per item. */
function windowEvent(webhook: RegisteredWebhook, event: ItemEvent, readersBefore: Map<string, Map<number, string[]>>): WindowEvent {
	const entry: WindowEntry = { event: `${event.collection}.items.${event.action}`, collection: event.collection, action: event.action, keys: event.keys };
	const checked = event.keys.map((key) => [String(key), readersBefore.get(String(key))?.get(webhook.id)] as const).filter((pair): pair is readonly [string, string[]] => pair[1] !== undefined);
	if (checked.length > 0) entry[READERS_BEFORE] = Object.fromEntries(checked);
	return { webhook: webhook.id, debounceMs: webhook.debounceSeconds * 1000, maxMs: webhook.debounceMaxSeconds * 1000, entry, ...(webhook.ordered ? { ordered: true } : {}) };
}

/** "Only when these fields change": an update (or a promote) fires when its payload touches a watched field. */
function fires(webhook: RegisteredWebhook, event: ItemEvent): boolean {
	if ((event.action !== 'update' && event.action !== 'promote') || webhook.watchFields.length === 0) return true;
	if (!event.payload || typeof event.payload !== 'object') return false;
	return Object.keys(event.payload).some((field) => webhook.watchFields.includes(field));
}
