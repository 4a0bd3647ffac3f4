// Building blocks shared by the config validators (webhooks, inbound endpoints): error text that
// quotes little of the input, prototype-key and nesting checks, header rules.
import type { FieldError } from './webhook';

export const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const HEADER_VALUE_CHARS = /^[\t\x20-\x7e\x80-\xff]*$/;
export const HEADER_INJECTION = /[\r\n\0]/;
export const MAX_NAME = 255;
export const MAX_HEADER_NAME = 256;
export const MAX_HEADER_VALUE = 8192;
// Bounds how much of an attacker-chosen key or value ends up in an error message.
export const MAX_QUOTED = 64;
export const MAX_LISTED = 5;

/** A non-null, non-array object whose prototype is Object's or null (what JSON.parse makes). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
	const proto: unknown = Object.getPrototypeOf(value);
	return proto === Object.prototype || proto === null;
}

/**
 * A list given as an array of strings or as comma-separated text (how the Data Studio stores
 * csv fields), trimmed, with empty csv entries dropped. null for anything else.
 */
export function parseCsvList(value: unknown): string[] | null {
	if (Array.isArray(value)) return value.every((entry) => typeof entry === 'string') ? value.map((entry: string) => entry.trim()) : null;
	if (typeof value === 'string') return value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
	return null;
}

/** One line: `field: reason; field: reason`. */
export function formatErrors(errors: FieldError[]): string {
	return errors.map((error) => `${error.field}: ${error.reason}`).join('; ');
}

export function quote(text: string): string {
	return JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);
}

export function quoteAll(values: string[]): string {
	const shown = values.slice(0, MAX_LISTED).map(quote).join(', ');
	return values.length > MAX_LISTED ? `${shown} and ${values.length - MAX_LISTED} more` : shown;
}

export function childPath(parent: string, key: string, inArray: boolean): string {
	const shown = key.length > MAX_QUOTED ? `${key.slice(0, MAX_QUOTED)}…` : key;
	if (inArray && /^\d+$/.test(key)) return `${parent}[${key}]`;
	return parent ? `${parent}.${shown}` : shown;
}

/**
 * Paths of prototype-polluting keys anywhere in a value. Own keys are checked because JSON.parse
 * makes `__proto__` an own property; iterative so no nesting depth can overflow the stack.
 */
export function prototypeKeyPaths(root: Record<string, unknown>): string[] {
	const found: string[] = [];
	const seen = new WeakSet<object>();
	const stack: { value: unknown; path: string }[] = [{ value: root, path: '' }];
	while (stack.length > 0) {
		const { value, path } = stack.pop()!;
		if (typeof value !== 'object' || value === null || seen.has(value)) continue;
		seen.add(value);
		const inArray = Array.isArray(value);
		for (const key of Object.keys(value)) {
			const at = childPath(path, key, inArray);
			if (PROTOTYPE_KEYS.has(key)) found.push(at);
			else stack.push({ value: (value as Record<string, unknown>)[key], path: at });
		}
	}
	return found.sort();
}

/** True when objects and arrays nest deeper than `limit` levels (`{}` is one level). */
export function nestsDeeperThan(root: unknown, limit: number): boolean {
	const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 1 }];
	while (stack.length > 0) {
		const { value, depth } = stack.pop()!;
		if (typeof value !== 'object' || value === null) continue;
		if (depth > limit) return true;
		for (const child of Object.values(value)) stack.push({ value: child, depth: depth + 1 });
	}
	return false;
}

/** Why a header value is unacceptable, or null. Never quotes the value: it may be a secret. */
export function headerValueProblem(value: unknown): string | null {
	if (typeof value !== 'string') return 'must be a string';
	if (value.length > MAX_HEADER_VALUE) return `must be at most ${MAX_HEADER_VALUE} characters`;
	if (HEADER_INJECTION.test(value)) return 'must not contain line breaks (CR, LF) or NUL characters';
	if (!HEADER_VALUE_CHARS.test(value)) return 'must contain only printable Latin-1 characters, spaces and tabs';
	return null;
}

/** Why a JSON object cannot be stored (too deep, not plain JSON, too large), or null. */
export function jsonObjectProblem(value: Record<string, unknown>, maxDepth: number, maxChars: number): string | null {
	// Depth first: it also keeps JSON.stringify from recursing without bound.
	if (nestsDeeperThan(value, maxDepth)) return `must be nested at most ${maxDepth} levels deep`;
	let json: string | undefined;
	try {
		json = JSON.stringify(value);
	} catch {
		json = undefined;
	}
	if (json === undefined) return 'must be plain JSON';
	if (json.length > maxChars) return `must be at most ${maxChars} characters as JSON`;
	return null;
}

export type Fail = (field: string, reason: string) => void;

/**
 * The checks every config validator starts with: prototype keys anywhere (reported, and their
 * field then left alone), read-only and unknown keys. Returns the error list, its `fail`, and
 * the top-level fields that held a prototype key.
 */
export function checkKeys(
	input: Record<string, unknown>,
	fields: { writable: readonly string[]; readonly: readonly string[]; noun: string; skip?: string },
): { errors: FieldError[]; fail: Fail; polluted: Set<string> } {
	const errors: FieldError[] = [];
	const fail: Fail = (field, reason) => {
		errors.push({ field, reason });
	};
	const polluted = new Set<string>();
	for (const path of prototypeKeyPaths(input)) {
		fail(path, 'prototype keys (__proto__, constructor, prototype) are not allowed');
		polluted.add(path.split(/[.[]/, 1)[0]!);
	}
	for (const key of Object.keys(input)) {
		if (polluted.has(key) || key === fields.skip) continue;
		if (fields.readonly.includes(key)) fail(key, 'is read-only');
		else if (!fields.writable.includes(key)) fail(childPath('', key, false), `${quote(key)} is not ${fields.noun} field`);
	}
	return { errors, fail, polluted };
}
