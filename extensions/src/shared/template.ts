// The one template renderer: `{{ payload.title }}`-style placeholders as in Directus Flows, used for
// inbound answers and for outgoing bodies, headers and URLs. Values are escaped for where they land
// (JSON, form, URL, header), so a value can never change the shape of what it is inserted into.
// Paths only read own properties, so a template can never reach prototypes or run code. Shared by
// the API and the app (live preview), so nothing here needs Node.
import { jsonText } from './json-text';
import { pathSegments, resolvePath } from './json-path';

/**
 * json: values JSON-escaped inside strings and JSON values elsewhere; form: values form-encoded
 * (application/x-www-form-urlencoded); url: values percent-encoded; header: characters a header
 * value cannot hold percent-encoded; text: values as they are.
 */
export type TemplateMode = 'json' | 'form' | 'url' | 'header' | 'text';

// Whitespace inside the braces is allowed: `{{item.id}}` and `{{ item.id }}` are the same.
// The inner text is trimmed afterwards: `\s*` around a lazy group would backtrack quadratically.
const PLACEHOLDER = /\{\{([^{}]*)\}\}/y;
const JSON_TYPE = /^\s*(?:application\/(?:[\w.+-]+\+)?json|text\/json)\s*(?:;|$)/i;
const FORM_TYPE = /^\s*application\/x-www-form-urlencoded\s*(?:;|$)/i;
// What a header value may hold as sent (see validation's HEADER_VALUE_CHARS); by code point, so
// a character outside the BMP is encoded whole.
const HEADER_UNSAFE = /[^\t\x20-\x7e]/gu;
// A surrogate without its pair (JSON strings may hold one) cannot be percent-encoded.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** encodeURIComponent that never throws: a lone surrogate becomes U+FFFD. */
function encode(text: string): string {
	return encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'));
}

/** How a body of this content type is rendered. */
export function templateModeFor(contentType: string): TemplateMode {
	if (JSON_TYPE.test(contentType)) return 'json';
	if (FORM_TYPE.test(contentType)) return 'form';
	return 'text';
}

/** How a value reads as text: objects as JSON, nothing as the empty string. */
function asText(value: unknown): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
	if (typeof value === 'object') return jsonText(value) ?? '';
	return '';
}

function escaped(text: string, mode: Exclude<TemplateMode, 'json'>): string {
	switch (mode) {
		case 'form':
			return encode(text).replace(/%20/g, '+');
		case 'url':
			return encode(text);
		case 'header':
			return text.replace(HEADER_UNSAFE, encode);
		default:
			return text;
	}
}

interface Placeholder {
	/** Where it starts in the template. */
	at: number;
	length: number;
	/** Null when the text between the braces is not a path. */
	segments: string[] | null;
}

/** The placeholder starting at `index`, or null when `{{` opens none (no closing braces). */
function placeholderAt(template: string, index: number): Placeholder | null {
	PLACEHOLDER.lastIndex = index;
	const match = PLACEHOLDER.exec(template);
	if (match === null) return null;
	return { at: index, length: match[0].length, segments: pathSegments(match[1]!.trim()) };
}

/**
 * Walks a template: each placeholder (a path) goes to `replace` with whether it sits inside a
 * JSON string (json mode only); other text is copied. Text that is not a placeholder is kept.
 */
function walk(template: string, json: boolean, replace: (placeholder: Placeholder & { segments: string[] }, inString: boolean) => string): string {
	let output = '';
	let inString = false;
	let index = 0;
	while (index < template.length) {
		const char = template[index]!;
		if (char === '{' && template[index + 1] === '{') {
			const placeholder = placeholderAt(template, index);
			if (placeholder !== null && placeholder.segments !== null) {
				output += replace(placeholder as Placeholder & { segments: string[] }, inString);
				index += placeholder.length;
				continue;
			}
		}
		if (json) {
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

/**
 * Replaces placeholders with values from `context`. In json mode the template is read as JSON:
 * inside a string a value is inserted JSON-escaped; elsewhere it is inserted as a JSON value
 * (`null` when missing) so the document stays valid. Other modes insert the value as text,
 * escaped for the mode; a missing value is empty.
 */
export function renderTemplate(template: string, context: object, mode: TemplateMode): string {
	return walk(template, mode === 'json', ({ segments }, inString) => {
		const value = resolvePath(context, segments);
		if (mode !== 'json') return escaped(asText(value), mode);
		if (inString) return JSON.stringify(asText(value)).slice(1, -1);
		return value === undefined ? 'null' : (jsonText(value) ?? 'null');
	});
}

/** The template with every placeholder replaced by `filler` (to check what it renders to). */
export function fillPlaceholders(template: string, filler: string): string {
	return walk(template, false, () => filler);
}

/** True when a placeholder reads `path` or something inside it (`item` and `item.id` both read `item.id`). */
export function readsPath(template: string, path: readonly string[]): boolean {
	let reads = false;
	walk(template, false, ({ segments }) => {
		const shared = Math.min(segments.length, path.length);
		if (segments.slice(0, shared).every((segment, index) => segment === path[index])) reads = true;
		return '';
	});
	return reads;
}

/** Line and column (from 1) of a position, for error messages. */
function lineAndColumn(text: string, position: number): string {
	const before = text.slice(0, position).split('\n');
	return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/**
 * Why a template cannot be used, with the position, or null. Every `{{` must open a placeholder
 * holding a path; a json-mode template must be valid JSON whatever its values are.
 */
export function templateProblem(template: string, mode: TemplateMode): string | null {
	for (let index = template.indexOf('{{'); index !== -1; index = template.indexOf('{{', index + 1)) {
		const placeholder = placeholderAt(template, index);
		if (placeholder === null) return `has "{{" without a closing "}}" at ${lineAndColumn(template, index)}`;
		if (placeholder.segments === null) {
			return `has a placeholder that is not a path such as payload.title at ${lineAndColumn(template, index)} (use letters, digits, _ $ @ : - and [n])`;
		}
		index += placeholder.length - 1;
	}
	if (mode !== 'json') return null;
	// Each placeholder becomes a value of its own length (a number, or letters inside a string), so
	// the parser's position is the template's. A space before it keeps `1{{ x }}` from passing as `10`.
	const skeleton = walk(template, true, ({ length }, inString) => (inString ? 'x'.repeat(length) : ` 0${' '.repeat(length - 2)}`));
	try {
		JSON.parse(skeleton);
		return null;
	} catch (error) {
		const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
		const at = position === undefined ? 'at the end' : `at ${lineAndColumn(template, Number(position))}`;
		return `is not valid JSON ${at} (a placeholder outside quotes stands for a whole JSON value)`;
	}
}
