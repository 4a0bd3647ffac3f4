// The answer an inbound endpoint gives an accepted request, as data: rendered once, sent, and (for
// requests with a delivery id) kept in the stored row, so a redelivery gets exactly what the original
// request got. Re-rendering for the redelivery would show the stored row to whoever replays a known
// delivery id, with that caller's own body beside it.
import { RESPONSE_STATUSES, type ResponseHeader } from '../../../shared/inbound-endpoint';
import { FALLBACK_RESPONSE_TYPE, isPassiveResponseType, refusedResponseHeader } from '../../../shared/inbound-response';
import { HEADER_NAME, HEADER_VALUE_CHARS } from '../../../shared/validation';
import type { RegisteredEndpoint } from '../config/endpoint-registry';
import { renderTemplate, templateModeFor } from '../../../shared/template';

export interface Answer {
	status: number;
	/** The endpoint's configured headers, as they were when the answer was given. */
	headers: ResponseHeader[];
	/** Null with no body. */
	content_type: string | null;
	body: string | null;
}

export function renderAnswer(endpoint: RegisteredEndpoint, context: object): Answer {
	const base = { status: endpoint.responseStatus, headers: endpoint.responseHeaders };
	if (endpoint.responseStatus === 204 || endpoint.responseBody === null) return { ...base, content_type: null, body: null };
	const body = renderTemplate(endpoint.responseBody, context, templateModeFor(endpoint.responseContentType));
	return { ...base, content_type: endpoint.responseContentType, body };
}

/**
 * The answer kept in a stored row, checked again: the row is data that people with rights on the
 * storage collection may edit, so it gets the same limits as config. A row without one (stored
 * before answers were kept, or edited into nonsense) gets the endpoint's status and headers, no body.
 */
export function keptAnswer(endpoint: RegisteredEndpoint, kept: unknown): Answer {
	const fallback: Answer = { status: endpoint.responseStatus, headers: endpoint.responseHeaders, content_type: null, body: null };
	const value = typeof kept === 'string' ? parseQuietly(kept) : kept;
	if (!value || typeof value !== 'object' || Array.isArray(value)) return fallback;
	const answer = value as Partial<Answer>;
	const status = (RESPONSE_STATUSES as readonly unknown[]).includes(answer.status) ? (answer.status as number) : fallback.status;
	const headers = Array.isArray(answer.headers)
		? answer.headers.filter((entry): entry is ResponseHeader => sendable(entry?.header, entry?.value) && refusedResponseHeader(entry.header) === null)
		: fallback.headers;
	if (typeof answer.body !== 'string' || status === 204) return { status, headers, content_type: null, body: null };
	const type = sendable('content-type', answer.content_type) && isPassiveResponseType(answer.content_type) ? answer.content_type : FALLBACK_RESPONSE_TYPE;
	return { status, headers, content_type: type, body: answer.body };
}

/** A header Node will send as given (it throws on anything else). */
function sendable(name: unknown, value: unknown): value is string {
	return typeof name === 'string' && HEADER_NAME.test(name) && typeof value === 'string' && HEADER_VALUE_CHARS.test(value);
}

function parseQuietly(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}
