// What the Flow operation "Send webhook (managed)" does: send now (WebhooksService.trigger) as the
// Flow's accountability, with options Directus has already filled with Flow data. Anything wrong
// throws, so the operation takes its reject path; nothing here can take the process down.
import { InvalidPayloadError } from '@directus/errors';
import type { Accountability, ExtensionContext } from '../../context';
import { useRuntime } from '../../runtime';
import { pickedWebhook } from '../../../shared/flow-send';
import { WebhooksService } from './webhooks-service';

export interface FlowSendOptions {
	webhook?: unknown;
	body?: unknown;
}

export interface FlowSendResult {
	delivery: number;
	webhook_id: number;
}

/** The webhook id from the option: a number, a numeric string or the picker's `{ key }`. */
export function flowWebhookId(option: unknown): number {
	const key = pickedWebhook(option);
	const text = typeof key === 'string' ? key.trim() : key;
	const number = typeof text === 'number' || (typeof text === 'string' && /^\d+$/.test(text)) ? Number(text) : NaN;
	if (!Number.isSafeInteger(number) || number < 1) {
		throw new InvalidPayloadError({ reason: 'the webhook option must name an outgoing webhook by its id' });
	}
	return number;
}

/**
 * The body to send: an object or array as is, a string holding JSON parsed (the code editor and
 * Flow templates may leave JSON as text), any other string as itself, nothing for an empty one.
 */
export function flowBody(option: unknown): unknown {
	if (typeof option !== 'string') return option ?? undefined;
	if (option.trim() === '') return undefined;
	try {
		return JSON.parse(option) as unknown;
	} catch {
		return option;
	}
}

/**
 * Queues a `webhook.manual` delivery. A null accountability (schedules, system Flows) may send
 * any webhook; anyone else needs update permission on it, as for POST /webhooks/:id/trigger.
 */
export async function sendFromFlow(
	options: FlowSendOptions,
	context: ExtensionContext & { accountability: unknown },
): Promise<FlowSendResult> {
	const id = flowWebhookId(options.webhook);
	const body = flowBody(options.body);
	const service = new WebhooksService({
		context,
		runtime: useRuntime(context),
		schema: await context.getSchema(),
		accountability: (context.accountability as Accountability | null) ?? null,
	});
	const delivery = await service.trigger(id, body);
	return { delivery: Number(delivery.id), webhook_id: id };
}
