// Turns a raw request body into something worth storing: structured data for JSON, forms and
// multipart, text for textual types, a base64 marker for anything else. Bodies come from
// anyone on the internet, so nothing here may throw; problems are reported in `error`.
import { Buffer } from 'node:buffer';

export type BodyKind = 'json' | 'form' | 'multipart' | 'text' | 'binary' | 'empty';

export interface ParsedBody {
	body: unknown;
	kind: BodyKind;
	error: string | null;
}

/** Stored instead of undecodable bytes. */
export interface BinaryMarker {
	binary: true;
	encoding: 'base64';
	size: number;
	data: string;
}

/** Stored for an uploaded file: its content stays out of the database. */
export interface FilePart {
	filename: string;
	contentType: string | null;
	size: number;
}

const MAX_ERROR = 200;
// Bounds the work one request can cause; real forms have far fewer fields.
const MAX_PARTS = 1000;
const TEXT_TYPES = new Set([
	'application/xml', 'application/javascript', 'application/ecmascript', 'application/x-javascript',
	'application/yaml', 'application/x-yaml', 'application/graphql', 'application/x-ndjson', 'application/ndjson',
	'application/csv', 'application/sql',
]);
const SENSITIVE_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'proxy-authorization', 'x-api-key']);
const SENSITIVE_PARTS = ['signature', 'token', 'secret', 'hmac'];
export const REDACTED = '[redacted]';

/** Sets an own property, so keys like `__proto__` from a request stay data (as JSON.parse does). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
	Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Adds a value under a key, turning repeated keys into an array. */
function addValue(target: Record<string, unknown>, key: string, value: unknown): void {
	if (!Object.hasOwn(target, key)) setOwn(target, key, value);
	else if (Array.isArray(target[key])) (target[key] as unknown[]).push(value);
	else setOwn(target, key, [target[key], value]);
}

/** `a=1&a=2&b=3` as `{ a: ['1', '2'], b: '3' }`: form bodies and URL query strings alike. */
export function parseQueryString(text: string): Record<string, unknown> {
	const fields: Record<string, unknown> = {};
	for (const [key, value] of new URLSearchParams(text)) addValue(fields, key, value);
	return fields;
}

function clip(text: string): string {
	return text.length > MAX_ERROR ? `${text.slice(0, MAX_ERROR)}…` : text;
}

/** `key=value; key="quoted"` parameters, names lower-cased. Malformed pieces are skipped. */
export function parseParameters(text: string): Record<string, string> {
	const params: Record<string, string> = {};
	const pattern = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/gy;
	let index = 0;
	// Skip to the first ';' (the part before it is the main value).
	const first = text.indexOf(';');
	if (first === -1) return params;
	index = first;
	while (index < text.length) {
		pattern.lastIndex = index;
		const match = pattern.exec(text);
		if (match === null) {
			const next = text.indexOf(';', index + 1);
			if (next === -1) break;
			index = next;
			continue;
		}
		const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!.trim();
		setOwn(params, match[1]!.toLowerCase(), value);
		index = pattern.lastIndex;
	}
	return params;
}

function mediaTypeOf(contentType: string): string {
	return contentType.split(';', 1)[0]!.trim().toLowerCase();
}

function decode(raw: Uint8Array, charset: string | undefined, fatal = false): string {
	let decoder: TextDecoder;
	try {
		decoder = new TextDecoder(charset ?? 'utf-8', { fatal, ignoreBOM: false });
	} catch {
		// Unknown charset: UTF-8 is the likeliest truth.
		decoder = new TextDecoder('utf-8', { fatal, ignoreBOM: false });
	}
	return decoder.decode(raw);
}

/** The text when the bytes are valid UTF-8 without NUL bytes, else null. */
export function strictUtf8(raw: Uint8Array): string | null {
	if (raw.includes(0)) return null;
	try {
		return decode(raw, 'utf-8', true);
	} catch {
		return null;
	}
}

export function binaryMarker(raw: Uint8Array): BinaryMarker {
	return { binary: true, encoding: 'base64', size: raw.length, data: Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('base64') };
}

/** Text if it reads as UTF-8, otherwise the binary marker. */
function sniff(raw: Uint8Array, error: string | null): ParsedBody {
	const text = strictUtf8(raw);
	return text === null ? { body: binaryMarker(raw), kind: 'binary', error } : { body: text, kind: 'text', error };
}

function isJsonType(type: string): boolean {
	return type === 'application/json' || type === 'text/json' || /^[a-z0-9.+-]+\/[^;]*\+json$/.test(type);
}

function isTextType(type: string): boolean {
	return type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('/xml') || type.endsWith('+xml');
}

/** How deep JSON may nest and still be stored as data (deeper breaks Directus's processing or the database's JSON type). */
export const MAX_JSON_DEPTH = 1000;

/**
 * True when brackets in the JSON text nest deeper than `max` (strings skipped). One pass without
 * allocation, and it stops at the first level too deep.
 */
export function nestedDeeperThan(text: string, max: number): boolean {
	let depth = 0;
	for (let index = 0; index < text.length; index += 1) {
		const code = text.charCodeAt(index);
		if (code === 0x22) {
			// Skip the string: to its closing quote, over escaped characters.
			for (index += 1; index < text.length; index += 1) {
				const inner = text.charCodeAt(index);
				if (inner === 0x5c) index += 1;
				else if (inner === 0x22) break;
			}
		} else if (code === 0x5b || code === 0x7b) {
			depth += 1;
			if (depth > max) return true;
		} else if (code === 0x5d || code === 0x7d) {
			depth -= 1;
		}
	}
	return false;
}

export function parseBody(raw: Buffer, contentType: string | undefined, maxJsonDepth = MAX_JSON_DEPTH): ParsedBody {
	try {
		return parseUnsafe(raw, contentType, maxJsonDepth);
	} catch (error) {
		// A last line of defence: the request is still recorded, as bytes.
		return { body: binaryMarker(raw), kind: 'binary', error: clip(`unreadable body: ${error instanceof Error ? error.message : String(error)}`) };
	}
}

function parseUnsafe(raw: Buffer, contentType: string | undefined, maxJsonDepth: number): ParsedBody {
	if (raw.length === 0) return { body: null, kind: 'empty', error: null };
	const header = typeof contentType === 'string' ? contentType : '';
	const type = mediaTypeOf(header);
	if (type === '') return sniff(raw, null);
	const params = parseParameters(header);
	if (isJsonType(type)) {
		const text = decode(raw, params.charset);
		if (nestedDeeperThan(text, maxJsonDepth)) return { body: text, kind: 'text', error: `JSON nested deeper than ${maxJsonDepth} levels: kept as text` };
		try {
			return { body: JSON.parse(text) as unknown, kind: 'json', error: null };
		} catch (error) {
			return { body: text, kind: 'text', error: clip(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`) };
		}
	}
	if (type === 'application/x-www-form-urlencoded') return { body: parseQueryString(decode(raw, params.charset)), kind: 'form', error: null };
	if (type === 'multipart/form-data') {
		const boundary = params.boundary;
		if (boundary === undefined || boundary === '' || boundary.length > 200) return sniff(raw, 'multipart body without a usable boundary');
		const { fields, error } = parseMultipart(raw, boundary);
		return { body: fields, kind: 'multipart', error };
	}
	if (isTextType(type)) return { body: decode(raw, params.charset), kind: 'text', error: null };
	return { body: binaryMarker(raw), kind: 'binary', error: null };
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * multipart/form-data (RFC 7578): fields become values, files become FilePart summaries.
 * Parts read before a framing error are kept.
 */
export function parseMultipart(raw: Buffer, boundary: string): { fields: Record<string, unknown>; error: string | null } {
	const fields: Record<string, unknown> = {};
	const opening = Buffer.from(`--${boundary}`);
	// Every delimiter after the first follows a line break.
	const delimiter = Buffer.from(`\r\n--${boundary}`);
	const start = raw.indexOf(opening);
	if (start === -1) return { fields, error: 'malformed multipart: boundary not found' };
	let cursor = start + opening.length;
	for (let parts = 0; ; parts += 1) {
		// `--` after a delimiter closes the body.
		if (raw[cursor] === 0x2d && raw[cursor + 1] === 0x2d) return { fields, error: null };
		if (parts >= MAX_PARTS) return { fields, error: `multipart body has more than ${MAX_PARTS} parts; the rest was not read` };
		// Transport padding (spaces, tabs) may follow a delimiter before its line break.
		const lineEnd = raw.indexOf(CRLF, cursor);
		if (lineEnd === -1) return { fields, error: 'malformed multipart: missing closing boundary' };
		const headerStart = lineEnd + CRLF.length;
		let headerEnd = raw.indexOf(HEADER_END, headerStart - CRLF.length);
		if (headerEnd === -1) return { fields, error: 'malformed multipart: part headers do not end' };
		// A part with no headers: the blank line follows the delimiter's own line break directly.
		if (headerEnd < headerStart) headerEnd = headerStart - CRLF.length;
		const bodyStart = headerEnd + HEADER_END.length;
		const bodyEnd = raw.indexOf(delimiter, bodyStart);
		if (bodyEnd === -1) return { fields, error: 'malformed multipart: missing closing boundary' };
		const headers = parsePartHeaders(raw.subarray(headerStart, Math.max(headerStart, headerEnd)).toString('latin1'));
		addPart(fields, headers, raw.subarray(bodyStart, bodyEnd));
		cursor = bodyEnd + delimiter.length;
	}
}

function parsePartHeaders(text: string): Map<string, string> {
	const headers = new Map<string, string>();
	for (const line of text.split('\r\n')) {
		const colon = line.indexOf(':');
		if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
	}
	return headers;
}

/** Header text arrives as bytes; browsers send UTF-8 names and filenames. */
function latin1ToUtf8(text: string): string {
	return Buffer.from(text, 'latin1').toString('utf8');
}

function addPart(fields: Record<string, unknown>, headers: Map<string, string>, content: Buffer): void {
	const disposition = headers.get('content-disposition') ?? '';
	const params = parseParameters(disposition);
	// Parts without a name cannot be addressed as fields (RFC 7578 requires one).
	if (params.name === undefined) return;
	const name = latin1ToUtf8(params.name);
	let filename = params.filename !== undefined ? latin1ToUtf8(params.filename) : undefined;
	const extended = params['filename*'];
	if (extended !== undefined) {
		// RFC 5987: charset'language'percent-encoded.
		const match = /^[^']*'[^']*'(.*)$/.exec(extended);
		try {
			if (match !== null) filename = decodeURIComponent(match[1]!);
		} catch {
			// Keep the plain filename.
		}
	}
	const partType = headers.get('content-type');
	if (filename !== undefined) {
		const file: FilePart = { filename, contentType: partType === undefined ? null : mediaTypeOf(partType), size: content.length };
		addValue(fields, name, file);
		return;
	}
	addValue(fields, name, decode(content, partType === undefined ? undefined : parseParameters(partType).charset));
}

/** Request headers as stored: one string each, credentials and signatures replaced. */
export function redactHeaders(headers: Record<string, string | string[] | undefined>, alsoSensitive: readonly string[] = []): Record<string, string> {
	const result: Record<string, string> = {};
	for (const [rawName, value] of Object.entries(headers)) {
		if (value === undefined) continue;
		const name = rawName.toLowerCase();
		const sensitive = SENSITIVE_HEADERS.has(name) || SENSITIVE_PARTS.some((part) => name.includes(part)) || alsoSensitive.includes(name);
		setOwn(result, name, sensitive ? REDACTED : Array.isArray(value) ? value.join(', ') : String(value));
	}
	return result;
}
