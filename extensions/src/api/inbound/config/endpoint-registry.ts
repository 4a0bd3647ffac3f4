// In-memory view of the inbound endpoints, by suffix, with secrets decrypted: a request is
// matched without touching the database.
import type { Knex } from 'knex';
import { ENDPOINTS_COLLECTION } from '../../../shared/collections';
import {
	DEFAULT_FAILURE_STATUSES, ENDPOINT_DEFAULTS,
	type AuthConfig, type AuthPreset, type EndpointMethod, type FailureKind, type FieldMapping, type ResponseHeader,
} from '../../../shared/inbound-endpoint';
import { FALLBACK_RESPONSE_TYPE, isPassiveResponseType, refusedResponseHeader } from '../../../shared/inbound-response';
import { PolledRegistry, signatureOf } from '../../lib/polled-registry';
import type { Logger } from '../../lib/logger';
import { toBool, toCsv, toJson, toNumber } from '../../db/rows';
import type { SecretBox } from '../../lib/secret-box';
import { openSecrets, type StoredSecret } from './endpoint-secrets';
import { ipAllowList, type IpAllowList } from '../http/ip-allow-list';
import { readsPath } from '../../../shared/template';
import { storesResponse } from '../storage/storage-collection';

export interface RegisteredEndpoint {
	id: number;
	name: string;
	suffix: string;
	collection: string;
	methods: EndpointMethod[];
	active: boolean;
	auth: AuthPreset;
	authConfig: AuthConfig;
	toleranceSeconds: number;
	dedupeHeader: string | null;
	responseStatus: number;
	responseHeaders: ResponseHeader[];
	responseBody: string | null;
	responseContentType: string;
	/** The template shows the stored item's id, known only once the row is written. */
	responseReadsId: boolean;
	/** The storage keeps each answer sent for a delivery id (see storage-collection). */
	storesResponse: boolean;
	maxBodyBytes: number;
	rateLimitPerMinute: number | null;
	strict: boolean;
	failureStatuses: Record<FailureKind, number>;
	fieldMappings: FieldMapping[];
	expectedHeaders: string[];
	expectedQuery: string[];
	expectedBody: Record<string, unknown> | null;
	/** Decrypted; filtered by expiry when a request is verified. */
	secrets: StoredSecret[];
	/** False when the stored secrets could not be decrypted: the endpoint then refuses everyone. */
	secretsReadable: boolean;
	/** Null: any caller address. */
	ipAllowList: IpAllowList | null;
	/** Meta's verify token, opened; undefined when not configured or unreadable (the handshake is then refused). */
	verifyToken?: string;
}

export class EndpointRegistry extends PolledRegistry {
	private readonly knex: Knex;
	private readonly box: SecretBox;
	private bySuffix = new Map<string, RegisteredEndpoint>();
	private readonly warned = new Set<string>();

	constructor(knex: Knex, box: SecretBox, logger: Pick<Logger, 'warn'>) {
		super('inbound endpoints', logger);
		this.knex = knex;
		this.box = box;
	}

	find(suffix: string): RegisteredEndpoint | undefined {
		return this.bySuffix.get(suffix);
	}

	protected async readSignature(): Promise<string> {
		const row = await this.knex(ENDPOINTS_COLLECTION).first(
			this.knex.raw('count(*) as n'),
			this.knex.raw('max(id) as m'),
			this.knex.raw('max(date_updated) as u'),
		);
		return signatureOf([row?.n, row?.m, row?.u]);
	}

	protected async load(): Promise<void> {
		const rows: Record<string, unknown>[] = await this.knex(ENDPOINTS_COLLECTION).select('*');
		const bySuffix = new Map<string, RegisteredEndpoint>();
		for (const row of rows) {
			const endpoint = this.fromRow(row);
			bySuffix.set(endpoint.suffix, endpoint);
		}
		this.bySuffix = bySuffix;
	}

	/** Config stored before active types were refused (or written straight to the table) is answered as plain text. */
	private servableType(id: unknown, type: string): string {
		if (isPassiveResponseType(type)) return type;
		this.warnOnce(`${String(id)} type ${type}`, id, `[webhooks] inbound endpoint ${String(id)} answers with ${JSON.stringify(type)}, which may not be served from the Directus origin: answering as ${FALLBACK_RESPONSE_TYPE}`);
		return FALLBACK_RESPONSE_TYPE;
	}

	/** Drops stored response headers that are no longer allowed (cookies, redirects, security policies). */
	private servableHeaders(id: unknown, headers: ResponseHeader[]): ResponseHeader[] {
		const kept = Array.isArray(headers) ? headers.filter((entry) => typeof entry?.header === 'string' && typeof entry.value === 'string' && refusedResponseHeader(entry.header) === null) : [];
		if (kept.length !== (Array.isArray(headers) ? headers.length : 0)) {
			this.warnOnce(`${String(id)} headers ${JSON.stringify(headers)}`, id, `[webhooks] inbound endpoint ${String(id)} has response headers that are no longer allowed; they are not sent`);
		}
		return kept;
	}

	/** Config is read again on every change of any endpoint: each problem is told once per process. */
	private warnOnce(key: string, id: unknown, message: string): void {
		if (this.warned.has(key)) return;
		this.warned.add(key);
		this.logger.warn({ endpoint: id }, message);
	}

	private fromRow(row: Record<string, unknown>): RegisteredEndpoint {
		let secrets: StoredSecret[] = [];
		let secretsReadable = true;
		try {
			secrets = openSecrets(this.box, row.secrets);
		} catch {
			secretsReadable = false;
			this.logger.warn({ endpoint: row.id }, `[webhooks] the secrets of inbound endpoint ${String(row.id)} cannot be decrypted (was SECRET changed?)`);
		}
		const defaults = ENDPOINT_DEFAULTS;
		const responseBody = typeof row.response_body === 'string' && row.response_body !== '' ? row.response_body : null;
		const fieldMappings = toJson<FieldMapping[]>(row.field_mappings, []) ?? [];
		const { verifyToken: sealedToken, ...authConfig } = toJson<Record<string, unknown>>(row.auth_config, {}) ?? {};
		return {
			id: Number(row.id),
			name: String(row.name ?? ''),
			suffix: String(row.suffix ?? ''),
			collection: String(row.collection ?? ''),
			methods: toCsv(row.methods).map((method) => method.toUpperCase()) as EndpointMethod[],
			active: row.status === 'active',
			auth: (row.auth as AuthPreset | null) ?? defaults.auth,
			// The sealed token stays out of the config verifiers read.
			authConfig: authConfig as AuthConfig,
			toleranceSeconds: toNumber(row.tolerance_seconds) ?? defaults.tolerance_seconds,
			dedupeHeader: typeof row.dedupe_header === 'string' && row.dedupe_header !== '' ? row.dedupe_header.toLowerCase() : null,
			responseStatus: toNumber(row.response_status) ?? defaults.response_status,
			responseHeaders: this.servableHeaders(row.id, toJson<ResponseHeader[]>(row.response_headers, []) ?? []),
			responseBody,
			responseContentType: this.servableType(row.id, typeof row.response_content_type === 'string' && row.response_content_type !== '' ? row.response_content_type : defaults.response_content_type),
			responseReadsId: responseBody !== null && readsPath(responseBody, ['item', 'id']),
			storesResponse: storesResponse({ fieldMappings }),
			maxBodyBytes: toNumber(row.max_body_bytes) ?? defaults.max_body_bytes,
			rateLimitPerMinute: toNumber(row.rate_limit_per_minute),
			strict: toBool(row.strict),
			failureStatuses: { ...DEFAULT_FAILURE_STATUSES, ...toJson<Partial<Record<FailureKind, number>>>(row.failure_statuses, {}) },
			fieldMappings,
			expectedHeaders: toCsv(row.expected_headers).map((name) => name.toLowerCase()),
			expectedQuery: toCsv(row.expected_query),
			expectedBody: toJson<Record<string, unknown> | null>(row.expected_body, null),
			secrets,
			secretsReadable,
			ipAllowList: ipAllowList(toCsv(row.ip_allow_list)),
			verifyToken: this.openVerifyToken(row.id, sealedToken),
		};
	}

	private openVerifyToken(id: unknown, sealed: unknown): string | undefined {
		if (typeof sealed !== 'string' || sealed === '') return undefined;
		try {
			return this.box.open(sealed);
		} catch {
			this.warnOnce(`${String(id)} verify token`, id, `[webhooks] the verify token of inbound endpoint ${String(id)} cannot be decrypted (was SECRET changed?)`);
			return undefined;
		}
	}
}
