// How a webhook's templates apply to a delivery: the body (rendered for its content type), header
// values and the URL's path and query. The context is made from the body the webhook would send
// anyway, already narrowed to what its owners may read, so a template can show nothing more.
import { renderTemplate, templateModeFor } from '../../../shared/template';
import { templateContext, type TemplateContext } from '../../../shared/template-context';
import type { RegisteredWebhook } from '../config/webhook-registry';
import type { ClaimedDelivery } from '../queue/delivery-store';

/** The context of a delivery's templates (see shared/template-context). */
export function deliveryContext(webhook: RegisteredWebhook, delivery: ClaimedDelivery, content: Record<string, unknown>, now: number): TemplateContext {
	const action = delivery.event_data.action;
	return templateContext(
		{ webhook: { id: webhook.id, name: webhook.name }, event: delivery.event, action: typeof action === 'string' ? action : null, collection: delivery.collection, happenedAt: delivery.created_at ?? now },
		content,
	);
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
