// Inbound endpoint configuration: a public URL suffix that external services call, and how
// Directus authenticates, records and answers those calls. Shared by the API and the app,
// so no Node imports here.
import { INBOUND_PATH, STORAGE_PREFIX } from './collections';

export const ENDPOINT_METHODS = ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'] as const;
export const ENDPOINT_STATUSES = ['active', 'inactive'] as const;
/** How a caller proves who it is; the named providers fix their own header and signature format. */
export const AUTH_PRESETS = ['none', 'api_key', 'basic', 'standard_webhooks', 'github', 'stripe', 'shopify', 'slack', 'hmac', 'meta', 'zoom', 'microsoft_graph', 'twilio', 'jwt'] as const;
/** Only success codes: the caller is told the request was accepted, never why it was not. */
export const RESPONSE_STATUSES = [200, 201, 202, 204] as const;
export const HMAC_ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;
export const HMAC_ENCODINGS = ['hex', 'base64'] as const;
/** Why a request was refused; each has a default status that an endpoint may override. */
export const FAILURE_KINDS = ['auth', 'validation', 'too_large', 'method', 'rate_limited', 'rejected'] as const;
/** Field types a body path can be mapped into (Directus field types). */
export const MAPPING_TYPES = ['string', 'text', 'integer', 'bigInteger', 'float', 'boolean', 'json', 'timestamp'] as const;
/** Presets whose secret the provider issues: it has to be pasted in. The others get one generated. */
export const PROVIDER_SECRET_PRESETS = ['stripe', 'shopify', 'slack', 'meta', 'zoom', 'twilio'] as const;
/** The longest provider challenge echoed back by a handshake; anything longer is refused, not echoed. */
export const MAX_CHALLENGE_LENGTH = 1024;
/** The longest Meta verify token (Meta's own form takes far less). */
export const MAX_VERIFY_TOKEN_LENGTH = 256;

export type EndpointMethod = (typeof ENDPOINT_METHODS)[number];
export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];
export type AuthPreset = (typeof AUTH_PRESETS)[number];
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number];
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];
export type HmacEncoding = (typeof HMAC_ENCODINGS)[number];
export type FailureKind = (typeof FAILURE_KINDS)[number];
export type MappingType = (typeof MAPPING_TYPES)[number];

export const DEFAULT_FAILURE_STATUSES: Readonly<Record<FailureKind, number>> = {
	auth: 401,
	validation: 422,
	too_large: 413,
	method: 405,
	rate_limited: 429,
	// A blocking Flow on the storage collection refused the request.
	rejected: 422,
};

/** Copies a value found at `path` (under `body`, `headers` or `query`) into a typed field of the storage collection. */
export interface FieldMapping {
	path: string;
	field: string;
	type: MappingType;
}

/** Fields every storage collection has; mappings add their own beside them. */
export const STORAGE_FIELDS = [
	'id', 'endpoint', 'status', 'method', 'path', 'query', 'headers', 'body', 'body_text', 'raw_body',
	'content_type', 'source_ip', 'received_at', 'verified', 'delivery_id', 'parse_error', 'response', 'replay_of', 'dedupe_key',
] as const;
/** Statuses of a stored request: Flows or people may move it on once they have handled it. */
export const STORED_REQUEST_STATUSES = ['received', 'processed', 'failed'] as const;

/** The key is read from exactly one place: a header or a query parameter. */
export type ApiKeyConfig = { header: string } | { query: string };

/** A generic signed-body scheme for providers without a preset. */
export interface HmacConfig {
	header: string;
	algorithm: HmacAlgorithm;
	encoding: HmacEncoding;
	/** Text before the signature in the header, such as `sha256=`. */
	prefix?: string;
	/** When set, the timestamp is signed too and checked against toleranceSeconds. */
	timestampHeader?: string;
	toleranceSeconds?: number;
	/** Header carrying the provider's delivery id, used to drop redeliveries. */
	deliveryIdHeader?: string;
}

/**
 * Meta (WhatsApp, Instagram, Messenger): the verify token typed into the app dashboard, answered in
 * the GET subscription handshake. Stored sealed like the secrets (which hold the app secret).
 */
export interface MetaConfig {
	verifyToken: string;
}

/** JWT signature algorithms a jwt endpoint may allow (never `none`). HS* use the endpoint's secrets. */
export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** A bearer JWT: HS* checked with the secrets, the others with a PEM public key or a JWKS URL. */
export interface JwtConfig {
	algorithms: JwtAlgorithm[];
	issuer?: string;
	audience?: string;
	/** SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
	publicKey?: string;
	/** Fetched through the SSRF guard and cached. */
	jwksUrl?: string;
}

/** Presets other than api_key, hmac, meta and jwt take no options (an empty object). */
export type AuthConfig = ApiKeyConfig | HmacConfig | MetaConfig | JwtConfig | Record<string, never>;

export interface ResponseHeader {
	header: string;
	value: string;
}

export interface InboundEndpoint {
	id: number;
	name: string;
	/** Path after the extension's public prefix, e.g. `github/push`. */
	suffix: string;
	/** The public URL callers use: PUBLIC_URL + INBOUND_PATH + suffix. Computed, never stored. */
	url: string;
	/** Storage collection of accepted requests; chosen on create (derived from the suffix by default), fixed after. */
	collection: string;
	/** Verification secrets (several during a rotation). Write-only: reads return a mask. */
	secrets: string[] | string | null;
	methods: EndpointMethod[];
	status: EndpointStatus;
	auth: AuthPreset;
	auth_config: AuthConfig;
	/** Maximum age of a signed timestamp, for presets that sign one. */
	tolerance_seconds: number;
	/** Request header whose repeated value marks a redelivery. */
	dedupe_header: string | null;
	response_status: ResponseStatus;
	response_headers: ResponseHeader[];
	/** Template rendered with the request and the stored item; null sends no body. */
	response_body: string | null;
	response_content_type: string;
	max_body_bytes: number;
	rate_limit_per_minute: number | null;
	/** Reject requests that lack an expected header, query parameter or body field. */
	strict: boolean;
	/** Status per refusal reason, overriding DEFAULT_FAILURE_STATUSES. */
	failure_statuses: Partial<Record<FailureKind, number>>;
	field_mappings: FieldMapping[];
	/** Caller addresses allowed (IPv4/IPv6 addresses and CIDR ranges), as Directus computes them (IP_TRUST_PROXY); empty: anyone. */
	ip_allow_list: string[];
	expected_headers: string[];
	expected_query: string[];
	/** A sample body; its top-level keys are what strict mode requires. */
	expected_body: Record<string, unknown> | null;
	date_created: string | null;
	date_updated: string | null;
}

export const ENDPOINT_WRITABLE_FIELDS = [
	'name', 'suffix', 'methods', 'status', 'auth', 'auth_config', 'tolerance_seconds', 'dedupe_header',
	'response_status', 'response_headers', 'response_body', 'response_content_type', 'max_body_bytes',
	'rate_limit_per_minute', 'strict', 'expected_headers', 'expected_query', 'expected_body',
	'collection', 'secrets', 'failure_statuses', 'field_mappings', 'ip_allow_list',
] as const;
export const ENDPOINT_READONLY_FIELDS = ['id', 'url', 'date_created', 'date_updated'] as const;

export type EndpointInput = Partial<Omit<Pick<InboundEndpoint, (typeof ENDPOINT_WRITABLE_FIELDS)[number]>, 'secrets'>> & { secrets?: string[] };

export const MAX_BODY_BYTES_LIMIT = 50 * 1024 * 1024;
export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;
export const MAX_RATE_LIMIT_PER_MINUTE = 100_000;
export const MAX_TOLERANCE_SECONDS = 86_400;

export const ENDPOINT_DEFAULTS = {
	methods: ['POST'],
	status: 'active',
	auth: 'none',
	auth_config: {},
	tolerance_seconds: 300,
	dedupe_header: null,
	response_status: 200,
	response_headers: [],
	response_body: null,
	response_content_type: 'application/json',
	max_body_bytes: 1_048_576,
	rate_limit_per_minute: null,
	strict: false,
	expected_headers: [],
	expected_query: [],
	expected_body: null,
	failure_statuses: {},
	field_mappings: [],
	ip_allow_list: [],
	secrets: null,
} as const satisfies Omit<InboundEndpoint, 'id' | 'name' | 'suffix' | 'url' | 'collection' | 'date_created' | 'date_updated'>;

export const MAX_SECRETS = 10;
export const MAX_SECRET_LENGTH = 1024;
export const MAX_MAPPINGS = 50;
export const MAX_IP_ALLOW_ENTRIES = 100;
/** MySQL caps table names at 64 characters. */
export const MAX_COLLECTION_NAME = 64;

/** The storage collection name derived from a suffix: `github/push` -> `inbound_github_push`. */
export function collectionForSuffix(suffix: string): string {
	const slug = suffix.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
	return `${STORAGE_PREFIX}${slug || 'endpoint'}`.slice(0, MAX_COLLECTION_NAME - 4);
}

/** The public URL of an endpoint; relative when PUBLIC_URL is not an absolute URL. */
export function endpointUrl(publicUrl: string | null | undefined, suffix: string): string {
	const base = typeof publicUrl === 'string' && /^https?:\/\//i.test(publicUrl) ? publicUrl.replace(/\/+$/, '') : '';
	return `${base}${INBOUND_PATH}/${suffix}`;
}
