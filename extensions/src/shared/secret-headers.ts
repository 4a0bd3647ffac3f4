// What the server refuses about secret header values, checked while the user edits a webhook
// (the app shows the values masked, so these are the edits that need them typed again).
import { MASK, type FieldError, type WebhookHeader } from './webhook';

export const URL_NEEDS_SECRET_VALUES = 'secret header values must be entered again when the URL changes';
export const MASKED_NOT_SECRET = 'is masked: enter the value again to make the header not secret';

/** Problems of `edits` to a stored webhook, as read back (secret values masked). */
export function secretHeaderProblems(edits: Record<string, unknown>, current: { url?: unknown; headers?: unknown }): FieldError[] {
	const problems: FieldError[] = [];
	const headers = (Array.isArray(edits.headers) ? edits.headers : Array.isArray(current.headers) ? current.headers : []) as WebhookHeader[];
	const storedSecret = new Set(
		(Array.isArray(current.headers) ? (current.headers as WebhookHeader[]) : []).filter((header) => header?.secret).map((header) => String(header.header).toLowerCase()),
	);
	if (Array.isArray(edits.headers)) {
		headers.forEach((header, index) => {
			if (header?.value === MASK && !header.secret && storedSecret.has(String(header.header).toLowerCase())) {
				problems.push({ field: `headers[${index}].value`, reason: MASKED_NOT_SECRET });
			}
		});
	}
	const urlChanged = typeof edits.url === 'string' && edits.url !== current.url;
	if (urlChanged && headers.some((header) => header?.secret && header.value === MASK)) {
		problems.push({ field: 'url', reason: `${URL_NEEDS_SECRET_VALUES}: type each secret header's value again, or remove the header` });
	}
	return problems;
}
