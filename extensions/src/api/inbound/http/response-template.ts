// Renders an endpoint's response body: `{{ request.body.id }}`-style placeholders, as in
// Directus Flows, resolved against the request and the stored item. Paths only read own
// properties, so a template can never reach prototypes or run code.
import { jsonText } from '../../../shared/json-text';
import { pathSegments, resolvePath } from '../../../shared/json-path';

export type TemplateMode = 'json' | 'text';

// Whitespace inside the braces is allowed: `{{item.id}}` and `{{ item.id }}` are the same.
// The inner text is trimmed afterwards: `\s*` around a lazy group would backtrack quadratically.
const PLACEHOLDER = /\{\{([^{}]*)\}\}/y;

/** How a value reads as text: objects as JSON, nothing as the empty string. */
function asText(value: unknown): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
	if (typeof value === 'object') return jsonText(value) ?? '';
	return '';
}

/**
 * Replaces placeholders with values from `context`. In json mode the template is read as JSON:
 * inside a string a value is inserted JSON-escaped; elsewhere it is inserted as a JSON value
 * (`null` when missing) so the document stays valid.
 */
export function renderTemplate(template: string, context: object, mode: TemplateMode): string {
	let output = '';
	let inString = false;
	let index = 0;
	while (index < template.length) {
		const char = template[index]!;
		if (char === '{' && template[index + 1] === '{') {
			PLACEHOLDER.lastIndex = index;
			const match = PLACEHOLDER.exec(template);
			const segments = match === null ? null : pathSegments(match[1]!.trim());
			if (match !== null && segments !== null) {
				const value = resolvePath(context, segments);
				if (mode === 'text') output += asText(value);
				else if (inString) output += JSON.stringify(asText(value)).slice(1, -1);
				else output += value === undefined ? 'null' : (jsonText(value) ?? 'null');
				index += match[0].length;
				continue;
			}
		}
		if (mode === 'json') {
			if (inString && char === '\\') {
				// Copy the escaped character too, so an escaped quote does not end the string.
				output += template.slice(index, index + 2);
				index += 2;
				continue;
			}
			if (char === '"') inString = !inString;
		}
		output += char;
		index += 1;
	}
	return output;
}

/** True when a placeholder reads `path` or something inside it (`item` and `item.id` both read `item.id`). */
export function readsPath(template: string, path: readonly string[]): boolean {
	for (const match of template.matchAll(/\{\{([^{}]*)\}\}/g)) {
		const segments = pathSegments(match[1]!.trim());
		if (segments === null) continue;
		const shared = Math.min(segments.length, path.length);
		if (segments.slice(0, shared).every((segment, index) => segment === path[index])) return true;
	}
	return false;
}
