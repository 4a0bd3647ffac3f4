// What a webhook's `{{ }}` placeholders read, made from the body the webhook would send (so a
// template can show nothing more than that body) plus names every event has. One function for the
// delivery worker and the app's live preview, so the preview shows what the receiver gets.

import { ALERT_EVENTS } from './webhook';

export type TemplateContext = Record<string, unknown>;

export interface EventFacts {
	webhook: { id: number | null; name: string };
	/** The delivery's event, used when the body carries none. */
	event: string;
	action: string | null;
	collection: string | null;
	/** When the event happened (epoch ms): the same on every attempt, like the body it is part of. */
	happenedAt: number;
}

export function templateContext(facts: EventFacts, content: Record<string, unknown>): TemplateContext {
	const keys = Array.isArray(content.keys) ? content.keys : content.key !== undefined ? [content.key] : [];
	return {
		...content,
		event: content.event ?? facts.event,
		action: facts.action,
		collection: content.collection ?? facts.collection,
		key: content.key ?? keys[0] ?? null,
		keys,
		// An alert's body names the webhook it is about: that is the one its template means.
		webhook: isAlert(content) ? content.webhook : facts.webhook,
		timestamp: new Date(facts.happenedAt).toISOString(),
	};
}

function isAlert(content: Record<string, unknown>): boolean {
	return (ALERT_EVENTS as readonly unknown[]).includes(content.event) && typeof content.webhook === 'object' && content.webhook !== null;
}

/** The body of a coalesced (debounced) delivery, without what the window keeps for its checks. */
export function windowBody(entries: readonly { event: string; collection: string; keys: unknown[] }[], count: number, truncated: boolean): Record<string, unknown> {
	const events = entries.map(({ event, collection, keys }) => ({ event, collection, keys }));
	return { event: 'webhook.batch', count, events, ...(truncated ? { truncated: true } : {}) };
}
