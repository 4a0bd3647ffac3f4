// Dotted paths into request data, shared by response templates, field mappings and their
// validation: `body.items[0].id`, `headers.x-id`. Only own properties are read and prototype
// names never resolve, so a path can never reach a prototype.

// Dotted names with optional [n] indexes. Anything else (operators, calls, quotes) is not a path.
const PATH = /^[\w$@:-]+(?:\[\d+\])*(?:\.[\w$@:-]+(?:\[\d+\])*)*$/;
export const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** Path segments, or null when the text is not a path. */
export function pathSegments(path: string): string[] | null {
	if (!PATH.test(path)) return null;
	return path.split(/[.[\]]+/).filter((segment) => segment !== '');
}

/** The value at a path; undefined when any segment is missing or names a prototype. */
export function resolvePath(context: unknown, segments: readonly string[]): unknown {
	let current: unknown = context;
	for (const segment of segments) {
		if (FORBIDDEN_SEGMENTS.has(segment)) return undefined;
		if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
		current = (current as Record<string, unknown>)[segment];
	}
	return current;
}
