// What is stored for an accepted request, and what its response template sees. Pure: the
// handler gathers the parts, this decides their stored form.
import { Buffer } from 'node:buffer';
import type { FieldMapping } from '../../../shared/inbound-endpoint';
import { REDACTED, binaryMarker, parseBody, redactHeaders, strictUtf8 } from '../http/body-parser';
import { mapFields } from './field-mapping';

export interface RequestParts {
	endpointId: number;
	method: string;
	path: string;
	query: Record<string, unknown>;
	headers: Record<string, string | string[] | undefined>;
	rawBody: Buffer;
	ip: string | null;
	verified: boolean;
	/** Signed requests keep their exact bytes, so the signature can be checked again later. */
	keepRaw: boolean;
	deliveryId: string | null;
	mappings: readonly FieldMapping[];
	receivedAt: Date;
	/** JSON nested deeper is kept as text (what the database's JSON type holds); MAX_JSON_DEPTH when not given. */
	maxJsonDepth?: number;
	/**
	 * Where this endpoint's callers put credentials (an API key header or query parameter, Graph's
	 * clientState properties in the body): never stored, nor shown to response templates.
	 */
	credentials?: { headers: readonly string[]; query: readonly string[]; bodyKeys?: readonly string[] };
}

export interface StoredRequest {
	row: Record<string, unknown>;
	/** `request` in response templates. */
	request: Record<string, unknown>;
}

const MAX_CONTENT_TYPE = 255;
const MAX_IP = 64;
const MAX_DELIVERY_ID = 255;

export function storedRequest(parts: RequestParts): StoredRequest {
	const contentType = headerText(parts.headers['content-type']);
	const parsed = parseBody(parts.rawBody, contentType, parts.maxJsonDepth);
	const bodyKeys = parts.credentials?.bodyKeys ?? [];
	if (bodyKeys.length > 0) parsed.body = redactKeys(parsed.body, bodyKeys);
	// Objects and arrays go to the JSON field; text, and JSON that is a bare value, stay text.
	// PostgreSQL text cannot hold NUL, so text with one is kept as bytes (the binary marker).
	let body: unknown = parsed.body;
	let text: string | null = null;
	if (typeof body !== 'object' || body === null) {
		text = parsed.kind === 'empty' ? null : typeof body === 'string' ? body : strictUtf8(parts.rawBody);
		body = text?.includes('\0') ? binaryMarker(parts.rawBody) : null;
		if (body !== null) text = null;
	}
	const headers = redactHeaders(parts.headers, parts.credentials?.headers);
	const query = redactQuery(parts.query, parts.credentials?.query ?? []);
	const deliveryId = parts.deliveryId === null || parts.deliveryId === '' ? null : parts.deliveryId.slice(0, MAX_DELIVERY_ID);
	const row: Record<string, unknown> = {
		endpoint: parts.endpointId,
		status: 'received',
		received_at: parts.receivedAt.toISOString(),
		method: parts.method,
		path: parts.path,
		content_type: contentType?.slice(0, MAX_CONTENT_TYPE) ?? null,
		source_ip: parts.ip?.slice(0, MAX_IP) ?? null,
		verified: parts.verified,
		delivery_id: deliveryId,
		// Storage made before shared storage has no such field: Directus leaves it out there.
		dedupe_key: dedupeKey(parts.endpointId, deliveryId),
		query,
		headers,
		body,
		body_text: text,
		raw_body: parts.keepRaw && parts.rawBody.length > 0 ? rawText(parts.rawBody) : null,
		parse_error: parsed.error === null ? null : withoutNul(parsed.error),
		...mapFields(parts.mappings, { body: parsed.body, headers, query }),
	};
	const request = {
		method: parts.method,
		path: parts.path,
		query,
		headers,
		body: parsed.body,
		content_type: row.content_type,
		ip: row.source_ip,
		delivery_id: deliveryId,
		received_at: row.received_at,
	};
	return { row, request };
}

/** The unique per-endpoint key of a request with a delivery id (storage shared by endpoints). */
export function dedupeKey(endpointId: number, deliveryId: string | null): string | null {
	return deliveryId === null ? null : `${endpointId}:${deliveryId}`;
}

function redactQuery(query: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
	if (!names.some((name) => Object.hasOwn(query, name))) return query;
	return Object.fromEntries(Object.entries(query).map(([name, value]) => [name, names.includes(name) ? REDACTED : value]));
}

/** A copy with every property of these names replaced, at any depth. */
function redactKeys(value: unknown, names: readonly string[]): unknown {
	if (Array.isArray(value)) return value.map((entry) => redactKeys(entry, names));
	if (value === null || typeof value !== 'object') return value;
	return Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, names.includes(name) ? REDACTED : redactKeys(entry, names)]));
}

function headerText(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value.join(', ') : value;
}

function withoutNul(value: string): string {
	return value.replaceAll('\0', '\uFFFD');
}

function rawText(raw: Buffer): string {
	return strictUtf8(raw) ?? `base64:${raw.toString('base64')}`;
}
