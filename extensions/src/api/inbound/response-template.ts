// Renders an endpoint's response body: `{{ request.body.id }}`-style placeholders, as in
// Directus Flows, resolved against the request and the stored item. Paths only read own
// properties, so a template can never reach prototypes or run code.

export type TemplateMode = 'json' | 'text';

// Whitespace inside the braces is allowed: `{{item.id}}` and `{{ item.id }}` are the same.
// The inner text is trimmed afterwards: `\s*` around a lazy group would backtrack quadratically.
const PLACEHOLDER = /\{\{([^{}]*)\}\}/y;
// Dotted names with optional [n] indexes: `request.body.items[0].id`, `request.headers.x-id`.
// Anything else (operators, calls, quotes) is not a path and is left as written.
const PATH = /^[\w$@:-]+(?:\[\d+\])*(?:\.[\w$@:-]+(?:\[\d+\])*)*$/;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** Path segments, or null when the text is not a path (then the placeholder stays as written). */
function segmentsOf(path: string): string[] | null {
	if (!PATH.test(path)) return null;
	return path.split(/[.[\]]+/).filter((segment) => segment !== '');
}

function resolve(context: unknown, segments: string[]): unknown {
	let current: unknown = context;
	for (const segment of segments) {
		if (FORBIDDEN_SEGMENTS.has(segment)) return undefined;
		if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
		current = (current as Record<string, unknown>)[segment];
	}
	return current;
}

/** JSON text of a value; undefined for what JSON cannot hold (cycles, BigInt, functions). */
function toJson(value: unknown): string | undefined {
	try {
		return JSON.stringify(value);
	} catch {
		return undefined;
	}
}

/** How a value reads as text: objects as JSON, nothing as the empty string. */
function asText(value: unknown): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
	if (typeof value === 'object') return toJson(value) ?? '';
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
			const segments = match === null ? null : segmentsOf(match[1]!.trim());
			if (match !== null && segments !== null) {
				const value = resolve(context, segments);
				if (mode === 'text') output += asText(value);
				else if (inString) output += JSON.stringify(asText(value)).slice(1, -1);
				else output += value === undefined ? 'null' : (toJson(value) ?? 'null');
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
