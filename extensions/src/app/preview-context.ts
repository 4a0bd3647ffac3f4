// What the body template preview renders with: a context shaped like the one a delivery's template
// sees (made by the same shared/template-context), filled from an item the user can read, so the
// preview shows what the receiver would get. Pure, so it is unit-tested without a browser.
import { BATCH_EVENT, type PayloadMode } from '../shared/webhook';
import { templateContext, windowBody } from '../shared/template-context';

type Item = Record<string, unknown>;

export interface PreviewInput {
	webhook: { id: number | null; name: string; payload: PayloadMode; debounce_seconds: number };
	collection: string;
	/** The collection's latest item, or a sample. */
	item: Item;
	key: unknown;
	accountability: { user: string | null; role: string | null };
	now: Date;
}

/** Stands in for an item when the collection has none the user may read. */
export function sampleItem(primaryKey: string): Item {
	return { [primaryKey]: 1, title: 'Sample item' };
}

/** The events a coalesced (debounced) delivery sample carries: an edit after a create. */
const BATCH_ACTIONS = ['create', 'update'] as const;

export function previewContext({ webhook, collection, item, key, accountability, now }: PreviewInput): Item {
	const facts = { webhook: { id: webhook.id, name: webhook.name }, collection, happenedAt: now.getTime() };
	if (webhook.debounce_seconds > 0) {
		const events = BATCH_ACTIONS.map((action) => ({ event: `${collection}.items.${action}`, collection, keys: [key] }));
		return templateContext({ ...facts, event: BATCH_EVENT, action: null, collection: null }, windowBody(events, events.length, false));
	}
	// As sent: the event body carries the write's payload, the item mode body the item read instead.
	const body = webhook.payload === 'item' ? { item } : { payload: item };
	const event = `${collection}.items.create`;
	return templateContext({ ...facts, event, action: 'create' }, { event, accountability, ...body, key, collection });
}
