// What a webhook's templates see and how they apply: the body (rendered for its content type), header
// values and the URL's path and query. The context is made from the body the webhook would send
// anyway, already narrowed to what its owners may read, so a template can show nothing more.
import { renderTemplate, templateModeFor } from '../../../shared/template';
import type { RegisteredWebhook } from '../config/webhook-registry';
import type { ClaimedDelivery } from '../queue/delivery-store';

export type TemplateContext = Record<string, unknown>;

/** The values `{{ }}` placeholders read: the body's own fields plus names every event has. */
export function templateContext(webhook: RegisteredWebhook, delivery: ClaimedDelivery, content: Record<string, unknown>, now: number): TemplateContext {
	const keys = Array.isArray(content.keys) ? content.keys : content.key !== undefined ? [content.key] : [];
	const action = delivery.event_data.action;
	return {
		...content,
		event: content.event ?? delivery.event,
		action: typeof action === 'string' ? action : null,
		collection: content.collection ?? delivery.collection,
		key: content.key ?? keys[0] ?? null,
		keys,
		webhook: { id: webhook.id, name: webhook.name },
		// When the event happened: the same on every attempt, like the body it is part of.
		timestamp: new Date(delivery.created_at ?? now).toISOString(),
	};
}

/** The body as sent: the template rendered for the content type, else the default JSON body. */
export function renderBody(webhook: RegisteredWebhook, content: Record<string, unknown>, context: TemplateContext | null): string {
	if (webhook.bodyTemplate === null || context === null) return JSON.stringify(content);
	return renderTemplate(webhook.bodyTemplate, context, templateModeFor(webhook.contentType));
}

/** A header value or URL with its placeholders filled (values escaped for where they land). */
export function renderPart(text: string, context: TemplateContext | null, mode: 'header' | 'url'): string {
	return context !== null && text.includes('{{') ? renderTemplate(text, context, mode) : text;
}

/** True when the URL or a header value has placeholders: the context is needed even without a body. */
export function usesPlaceholders(webhook: Pick<RegisteredWebhook, 'url' | 'headers'>): boolean {
	return webhook.url.includes('{{') || webhook.headers.some((header) => header.value.includes('{{'));
}
