// Building blocks of the config schemas (webhooks, inbound endpoints), written with valibot, and
// the frame every config goes through: a JSON object, no prototype keys, no unknown or read-only
// fields, then the schema, answering every bad field at once. Reasons quote little of the input.
import * as v from 'valibot';
import type { FieldError } from './webhook';
import { jsonText } from './json-text';

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// RFC 7230 token.
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// What Node's HTTP client accepts in a header value; anything else would only fail at delivery time.
export const HEADER_VALUE_CHARS = /^[\t\x20-\x7e\x80-\xff]*$/;
export const HEADER_INJECTION = /[\r\n\0]/;
export const MAX_NAME = 255;
// type/subtype with optional parameters, e.g. `application/json; charset=utf-8`.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const CONTENT_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\\\x00-\\x1f\\x7f]*"))*$`);
const MAX_CONTENT_TYPE = 255;
const MAX_HEADER_NAME = 256;
const MAX_HEADER_VALUE = 8192;
// Bounds how much of an attacker-chosen key or value ends up in an error message.
const MAX_QUOTED = 64;
export const MAX_LISTED = 5;

/** A non-null, non-array object whose prototype is Object's or null (what JSON.parse makes). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
	const proto: unknown = Object.getPrototypeOf(value);
	return proto === Object.prototype || proto === null;
}

const isCsvList = (value: unknown): value is string | string[] =>
	typeof value === 'string' || (Array.isArray(value) && value.every((entry) => typeof entry === 'string'));

/**
 * A list given as an array of strings or as comma-separated text (how the Data Studio stores
 * csv fields), trimmed, with empty csv entries dropped. null for anything else.
 */
export function parseCsvList(value: unknown): string[] | null {
	if (!isCsvList(value)) return null;
	if (Array.isArray(value)) return value.map((entry) => entry.trim());
	return value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
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

function childPath(parent: string, key: string, inArray: boolean): string {
	const shown = key.length > MAX_QUOTED ? `${key.slice(0, MAX_QUOTED)}…` : key;
	if (inArray && /^\d+$/.test(key)) return `${parent}[${key}]`;
	return parent ? `${parent}.${shown}` : shown;
}

/**
 * Paths of prototype-polluting keys anywhere in a value. Own keys are checked because JSON.parse
 * makes `__proto__` an own property; iterative so no nesting depth can overflow the stack.
 */
function prototypeKeyPaths(root: unknown): string[] {
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

const PROTOTYPE_KEYS_REFUSED = 'prototype keys (__proto__, constructor, prototype) are not allowed';

// ---- Schema pieces -------------------------------------------------------------------------

/** The field reports only its first problem: each later rule assumes the earlier ones hold. */
export const firstProblem = <TSchema extends v.GenericSchema>(schema: TSchema): TSchema => v.config(schema, { abortPipeEarly: true });

/** The message of the first problem `schema` finds in `value`, or null. */
export function problemOf(schema: v.GenericSchema, value: unknown): string | null {
	return v.safeParse(schema, value).issues?.[0]?.message ?? null;
}

const plainObject = (message: string) => v.custom<Record<string, unknown>>(isPlainObject, message);

const withoutUndefined = <T extends Record<string, unknown>>(object: T): T =>
	Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;

/**
 * A JSON object with exactly these properties. An absent property is checked as undefined (so
 * each entry decides whether it may be missing, and with which reason); others are refused.
 */
export function closedObject<TEntries extends v.ObjectEntries>(entries: TEntries, messages: { notObject: string; unknownKey: string }) {
	return v.pipe(
		plainObject(messages.notObject),
		v.transform((object) => ({ ...Object.fromEntries(Object.keys(entries).map((key) => [key, undefined])), ...object })),
		v.objectWithRest(entries, v.never(messages.unknownKey)),
		v.transform(withoutUndefined),
	);
}

/** An array of strings or csv text, as a trimmed list. */
export const csvList = (message: string) => v.pipe(v.custom<string | string[]>(isCsvList, message), v.transform((value) => parseCsvList(value)!));

/** A non-empty list of known values (compared after `normalize`), without repeats. */
export function enumList<const TOption extends string>(options: readonly TOption[], noun: string, normalize: (entry: string) => string = (entry) => entry) {
	const listed = options.join(', ');
	const unknown = (list: string[]) => list.filter((entry) => !(options as readonly string[]).includes(normalize(entry)));
	return v.pipe(
		csvList(`must be a non-empty list of ${listed}`),
		v.nonEmpty(`must be a non-empty list of ${listed}`),
		v.check((list) => unknown(list).length === 0, (issue) => `unknown ${noun} ${quoteAll(unknown(issue.input as string[]))} (use ${listed})`),
		v.transform((list) => [...new Set(list.map(normalize))] as TOption[]),
	);
}

export const oneOf = <const TOption extends string | number>(options: readonly TOption[]) => v.picklist(options, `must be one of ${options.join(', ')}`);

export const flag = v.custom<boolean>(
	(value) => typeof value === 'boolean',
	(issue) => (typeof issue.input === 'string' ? 'must be the boolean true or false, not a string' : 'must be true or false'),
);

export const wholeNumber = (min: number, max: number, message: string) =>
	firstProblem(v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message)));

/** A display name: trimmed, not blank. */
export const displayName = v.pipe(v.string('must be a non-empty string'), v.trim(), v.nonEmpty('must be a non-empty string'), v.maxLength(MAX_NAME, `must be at most ${MAX_NAME} characters`));

/** A non-empty string of at most `max` characters. */
export const nonEmptyText = (max: number, message = 'must be a non-empty string') =>
	v.pipe(v.string(message), v.nonEmpty(message), v.maxLength(max, `must be at most ${max} characters`));

/** A non-empty string of at most `max` characters, all matching `pattern`. */
export const boundedText = (max: number, pattern: RegExp, patternMessage: string) => firstProblem(v.pipe(nonEmptyText(max), v.regex(pattern, patternMessage)));

const MEDIA_TYPE_MESSAGE = `must be a media type such as application/json (at most ${MAX_CONTENT_TYPE} characters)`;

/** A Content-Type value (type/subtype with optional parameters), trimmed. */
export const mediaType = firstProblem(v.pipe(
	v.string(MEDIA_TYPE_MESSAGE),
	v.trim(),
	v.maxLength(MAX_CONTENT_TYPE, MEDIA_TYPE_MESSAGE),
	v.regex(CONTENT_TYPE, MEDIA_TYPE_MESSAGE),
));

export const headerName = boundedText(MAX_HEADER_NAME, HEADER_NAME, 'must be a valid header name (letters, digits and !#$%&\'*+-.^_`|~)');

/** A header value; its reasons never quote it, as it may be a secret. Missing is empty. */
export const headerValue = v.nullish(firstProblem(v.pipe(
	v.string('must be a string'),
	v.maxLength(MAX_HEADER_VALUE, `must be at most ${MAX_HEADER_VALUE} characters`),
	v.check((value) => !HEADER_INJECTION.test(value), 'must not contain line breaks (CR, LF) or NUL characters'),
	v.regex(HEADER_VALUE_CHARS, 'must contain only printable Latin-1 characters, spaces and tabs'),
)), '');

/** A JSON object that can be stored: nested at most `maxDepth` levels, plain JSON, at most `maxChars` as text. */
export function jsonObject(notObject: string, maxDepth: number, maxChars: number) {
	return firstProblem(v.pipe(
		plainObject(notObject),
		v.check((value) => prototypeKeyPaths(value).length === 0, PROTOTYPE_KEYS_REFUSED),
		// Depth first: it also keeps JSON.stringify from recursing without bound.
		v.check((value) => !nestsDeeperThan(value, maxDepth), `must be nested at most ${maxDepth} levels deep`),
		v.check(
			(value) => (jsonText(value)?.length ?? Infinity) <= maxChars,
			(issue) => (jsonText(issue.input) === undefined ? 'must be plain JSON' : `must be at most ${maxChars} characters as JSON`),
		),
	));
}

/**
 * A list of config entries (null is none) of at most `max`, where the `key` of an entry may not
 * repeat an earlier one's, compared in lower case.
 */
export function entryList<TEntry extends v.GenericSchema>(entry: TEntry, messages: { notList: string; max: number }, key: string) {
	return v.pipe(
		v.nullable(v.array(v.unknown(), messages.notList), []),
		v.maxLength(messages.max, `must have at most ${messages.max} entries`),
		v.array(entry),
		noRepeats(key),
	);
}

/** Refuses an entry whose `key` repeats an earlier entry's, at the later one; entries whose key is wrong already are left out. */
function noRepeats(key: string) {
	return v.rawCheck<unknown[]>(({ dataset, addIssue }) => {
		const entries = dataset.value as unknown[];
		const wrong = new Set((dataset.issues ?? []).filter((issue) => issue.path?.length === 1 || issue.path?.[1]?.key === key).map((issue) => issue.path?.[0]?.key));
		const seen = new Set<string>();
		entries.forEach((entry, index) => {
			if (wrong.has(index) || !isPlainObject(entry) || typeof entry[key] !== 'string') return;
			const value = entry[key] as string;
			if (!seen.has(value.toLowerCase())) {
				seen.add(value.toLowerCase());
				return;
			}
			addIssue({
				message: `${quote(value)} appears more than once`,
				path: [
					{ type: 'array', origin: 'value', input: entries, key: index, value: entry },
					{ type: 'object', origin: 'value', input: entry, key, value },
				],
			});
		});
	});
}

// ---- The frame -------------------------------------------------------------------------------

/** A config schema: an object of its writable fields, with checks across fields after it. */
type ConfigSchema = v.GenericSchema<Record<string, unknown>, Record<string, unknown>> & { entries: v.ObjectEntries };

/** On failure, `value` holds the fields that passed, so checks against stored data can still run. */
export type ConfigResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[]; value: T };

interface ConfigFrame {
	mode: 'create' | 'update';
	/** Fields read back but never written. */
	readonly: readonly string[];
	/** `a webhook`, `an endpoint`: how an unknown field is named. */
	noun: string;
	/** An update that sends no field is allowed (something else changes). */
	mayBeEmpty?: boolean;
}

/** `headers[0].value` for the issue's path. */
function fieldOf(issue: v.BaseIssue<unknown>): string {
	let field = '';
	for (const item of issue.path ?? []) field = item.type === 'array' ? `${field}[${String(item.key)}]` : childPath(field, String(item.key), false);
	return field || '(body)';
}

const topKey = (issue: v.BaseIssue<unknown>): unknown => issue.path?.[0]?.key;
const firstIndex = (issue: v.BaseIssue<unknown>): number => Number(issue.path?.find((item) => item.type === 'array')?.key ?? -1);

/**
 * Checks `input` against the frame and `schema`: every bad field at once, in the schema's field
 * order and, within a list, by entry. A field holding a prototype key is reported there only.
 */
export function validateConfig<T>(input: unknown, schema: ConfigSchema, frame: ConfigFrame): ConfigResult<T> {
	if (!isPlainObject(input)) return { ok: false, errors: [{ field: '(body)', reason: 'must be a JSON object' }], value: {} as T };
	const fields = Object.keys(schema.entries);
	const errors: FieldError[] = [];
	const polluted = new Set<unknown>();
	for (const path of prototypeKeyPaths(input)) {
		errors.push({ field: path, reason: PROTOTYPE_KEYS_REFUSED });
		polluted.add(path.split(/[.[]/, 1)[0]);
	}
	for (const key of Object.keys(input)) {
		if (polluted.has(key) || fields.includes(key)) continue;
		errors.push(frame.readonly.includes(key) ? { field: key, reason: 'is read-only' } : { field: childPath('', key, false), reason: `${quote(key)} is not ${frame.noun} field` });
	}
	if (frame.mode === 'update' && Object.keys(input).length === 0 && !frame.mayBeEmpty) errors.push({ field: '(body)', reason: 'nothing to update' });

	// Every field is present, absent ones as undefined: each decides whether it may be missing.
	const given = Object.fromEntries(fields.map((field) => [field, polluted.has(field) ? undefined : input[field]]));
	const result = v.safeParse(schema, given);
	const issues = (result.issues ?? []).filter((issue) => !polluted.has(topKey(issue)));
	const rank = (issue: v.BaseIssue<unknown>) => [fields.indexOf(String(topKey(issue))), firstIndex(issue)];
	issues.sort((a, b) => {
		const [fieldA, indexA] = rank(a);
		const [fieldB, indexB] = rank(b);
		return fieldA! - fieldB! || indexA! - indexB!;
	});
	for (const issue of issues) errors.push({ field: fieldOf(issue), reason: issue.message });

	const bad = new Set(issues.map(topKey));
	const output = (result.output ?? {}) as Record<string, unknown>;
	const value = Object.fromEntries(Object.entries(output).filter(([field, fieldValue]) => fieldValue !== undefined && !bad.has(field))) as T;
	return errors.length === 0 ? { ok: true, value } : { ok: false, errors, value };
}
