// Inbound endpoint configuration: a public URL suffix that external services call, and how
// Directus authenticates, records and answers those calls. Shared by the API and the app,
// so no Node imports here.

export const ENDPOINT_METHODS = ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'] as const;
export const ENDPOINT_STATUSES = ['active', 'inactive'] as const;
/** How a caller proves who it is; the named providers fix their own header and signature format. */
export const AUTH_PRESETS = ['none', 'api_key', 'basic', 'standard_webhooks', 'github', 'stripe', 'shopify', 'slack', 'hmac'] as const;
/** Only success codes: the caller is told the request was accepted, never why it was not. */
export const RESPONSE_STATUSES = [200, 201, 202, 204] as const;
export const HMAC_ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;
export const HMAC_ENCODINGS = ['hex', 'base64'] as const;

export type EndpointMethod = (typeof ENDPOINT_METHODS)[number];
export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];
export type AuthPreset = (typeof AUTH_PRESETS)[number];
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number];
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];
export type HmacEncoding = (typeof HMAC_ENCODINGS)[number];

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

/** Presets other than api_key and hmac take no options (an empty object). */
export type AuthConfig = ApiKeyConfig | HmacConfig | Record<string, never>;

export interface ResponseHeader {
	header: string;
	value: string;
}

export interface InboundEndpoint {
	id: number;
	name: string;
	/** Path after the extension's public prefix, e.g. `github/push`. */
	suffix: string;
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
] as const;
export const ENDPOINT_READONLY_FIELDS = ['id', 'date_created', 'date_updated'] as const;

export type EndpointInput = Partial<Pick<InboundEndpoint, (typeof ENDPOINT_WRITABLE_FIELDS)[number]>>;

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
} as const satisfies Omit<InboundEndpoint, 'id' | 'name' | 'suffix' | 'date_created' | 'date_updated'>;
