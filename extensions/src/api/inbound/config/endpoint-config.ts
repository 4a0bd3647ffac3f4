// Everything that writes inbound endpoint config passes through here (our API and Directus's own
// /items and GraphQL, via filter hooks): validation, suffix and collection uniqueness, and
// sealing of secrets. The storage collection follows the write (endpoint-changes).
import type { Knex } from 'knex';
import { ENDPOINTS_COLLECTION, SHARED_STORAGE_COLLECTION } from '../../../shared/collections';
import { ENDPOINT_DEFAULTS, MAX_MAPPINGS, STORAGE_FIELDS, collectionForSuffix, type AuthPreset, type FieldMapping } from '../../../shared/inbound-endpoint';
import { validateEndpoint } from '../../../shared/validate-endpoint';
import { MASK, type FieldError } from '../../../shared/webhook';
import type { Accountability, SchemaOverview } from '../../context';
import { EndpointValidationError } from '../../lib/errors';
import { assertUnderQuota, type Quota } from '../../lib/owner-quota';
import type { DelegateCheck } from '../../outbound/config/delegate-check';
import { SecretBox } from '../../lib/secret-box';
import { DEDUPE_FIELD } from '../storage/storage-collection';
import { generateEndpointSecret, openSecrets, sealSecrets, type StoredSecret } from './endpoint-secrets';

type Payload = Record<string, unknown>;

// Computed or maintained by Directus; the app may send them back unchanged. The owner counts
// against quotas: only Directus sets it.
const MAINTAINED = ['url', 'date_created', 'date_updated', 'user_created'];
// The fields a collection needs to be taken over as an endpoint's storage (one kept from a deleted endpoint).
const STORAGE_MARKERS = ['delivery_id', 'received_at', 'raw_body'] as const;

export class EndpointConfig {
	private readonly box: SecretBox;
	private readonly secretOverlapMs: number;
	private readonly quota: Quota | null;
	private readonly delegates: DelegateCheck;

	constructor(box: SecretBox, secretOverlapMs: number, delegates: DelegateCheck, quota: Quota | null = null) {
		this.box = box;
		this.secretOverlapMs = secretOverlapMs;
		this.delegates = delegates;
		this.quota = quota;
	}

	/** Directus's own 403 for a caller who may not write endpoints at all, before our 400 could describe the write. */
	private async assertMayWrite(knex: Knex, schema: SchemaOverview, accountability: Accountability | null, action: 'create' | 'update'): Promise<void> {
		if (accountability && !accountability.admin) await this.delegates.assertMayWrite({ knex, schema, accountability }, ENDPOINTS_COLLECTION, action);
	}

	/** 403 LIMIT_EXCEEDED when a non-admin would own more endpoints than allowed. */
	async assertRoomFor(knex: Knex, accountability: Accountability | null, adding: number): Promise<void> {
		if (this.quota) await assertUnderQuota(knex, this.quota, accountability, adding);
	}

	/**
	 * `accountability` is the caller's (null for the system): only admins may take over a storage
	 * collection that already exists (one kept from a deleted endpoint), since that hands its rows
	 * to the new endpoint's owner; anyone else gets a collection of their own.
	 */
	async prepareCreate(input: unknown, knex: Knex, schema: SchemaOverview, accountability: Accountability | null): Promise<Payload> {
		const mayTakeOver = accountability === null || accountability.admin === true;
		await this.assertMayWrite(knex, schema, accountability, 'create');
		const { fields, sealed } = this.userInput(input);
		// Every bad field in one answer: the checks against stored endpoints run beside the field rules.
		const { value, errors } = this.check(fields, { mode: 'create', sealedSecrets: sealed !== null });
		await this.assertRoomFor(knex, accountability, 1);
		const suffix = validPart(fields, 'suffix', errors);
		if (suffix !== null && (await this.suffixTaken(knex, suffix, null))) errors.push({ field: 'suffix', reason: `"${suffix}" is already used by another endpoint` });
		const used = await this.usedCollections(knex);
		let collection = validPart(fields, 'collection', errors) ?? undefined;
		if (collection !== undefined) {
			const problem = collectionProblem(collection, used, schema, mayTakeOver, true);
			if (problem !== null) errors.push({ field: 'collection', reason: problem });
		} else if (suffix !== null) {
			collection = freeCollectionName(collectionForSuffix(suffix), used, schema, mayTakeOver);
		}
		if (collection !== undefined) {
			const mappingsProblem = mappedFieldsProblem(collection, value.field_mappings as FieldMapping[] | undefined, schema);
			if (mappingsProblem !== null) errors.push({ field: 'field_mappings', reason: mappingsProblem });
		}
		if (errors.length > 0) throw new EndpointValidationError({ errors });
		// MySQL/MariaDB text columns (csv) have no defaults: fill ours in so the row is whole everywhere.
		const payload: Payload = { methods: [...ENDPOINT_DEFAULTS.methods], ...value, collection };
		this.sealVerifyToken(payload);
		if (sealed !== null) payload.secrets = sealed;
		else if (Array.isArray(value.secrets)) payload.secrets = this.seal(value.secrets as string[]);
		else {
			const generated = generateEndpointSecret((value.auth as AuthPreset | undefined) ?? 'none');
			payload.secrets = generated === null ? null : this.seal([generated]);
		}
		return payload;
	}

	async prepareUpdate(input: unknown, keys: (string | number)[], knex: Knex, schema: SchemaOverview, accountability: Accountability | null): Promise<Payload> {
		await this.assertMayWrite(knex, schema, accountability, 'update');
		const { fields, sealed } = this.userInput(input);
		// New mapped fields become columns before Directus checks the items (endpoint-changes): only
		// for endpoints the caller may update.
		if (fields && (fields as Payload).field_mappings !== undefined) await this.delegates.assertMayUpdate({ knex, schema, accountability }, ENDPOINTS_COLLECTION, keys);
		const current = keys.length === 1 ? await knex(ENDPOINTS_COLLECTION).first('auth').where({ id: keys[0] }) : undefined;
		const { value, errors } = this.check(fields, { mode: 'update', currentAuth: current?.auth as AuthPreset | undefined, sealedSecrets: sealed !== null });
		for (const field of ['suffix', 'secrets'] as const) {
			if (fields && (fields as Payload)[field] !== undefined && keys.length !== 1) errors.push({ field, reason: 'can only be set on one endpoint at a time' });
		}
		const suffix = keys.length === 1 ? validPart(fields, 'suffix', errors) : null;
		if (suffix !== null && (await this.suffixTaken(knex, suffix, keys[0]!))) errors.push({ field: 'suffix', reason: `"${suffix}" is already used by another endpoint` });
		if (Array.isArray(value.field_mappings) && keys.length > 0) {
			// Fields of earlier mappings stay in the storage collection: they count too.
			const rows: { collection: string | null }[] = await knex(ENDPOINTS_COLLECTION).select('collection').whereIn('id', keys);
			const problem = rows.map(({ collection }) => (collection ? mappedFieldsProblem(collection, value.field_mappings as FieldMapping[], schema) : null)).find((found) => found !== null);
			if (problem) errors.push({ field: 'field_mappings', reason: problem });
		}
		if (errors.length > 0) throw new EndpointValidationError({ errors });
		const payload: Payload = { ...value };
		this.sealVerifyToken(payload);
		if (sealed !== null) payload.secrets = sealed;
		else if (Array.isArray(value.secrets)) payload.secrets = this.seal(value.secrets as string[]);
		return payload;
	}

	/** The sealed list after a rotation: `fresh` first, the others expiring after the overlap. */
	rotated(currentSealed: unknown, fresh: string, now = Date.now()): string {
		const until = now + this.secretOverlapMs;
		const previous = openSecrets(this.box, currentSealed).map((secret) => ({ value: secret.value, expires: Math.min(secret.expires ?? until, until) }));
		return sealSecrets(this.box, [{ value: fresh, expires: null }, ...previous.filter((secret) => secret.expires > now)])!;
	}

	/** Meta's verify token is kept sealed in auth_config like the secrets; a sealed one sent back is kept as is. */
	private sealVerifyToken(payload: Payload): void {
		const config = payload.auth_config as Record<string, unknown> | undefined;
		if (config && typeof config.verifyToken === 'string' && !SecretBox.isSealed(config.verifyToken)) {
			payload.auth_config = { ...config, verifyToken: this.box.seal(config.verifyToken) };
		}
	}

	private seal(secrets: string[]): string | null {
		return sealSecrets(this.box, secrets.map((value): StoredSecret => ({ value, expires: null })));
	}

	/** The fields that passed (checks against stored data run on them) and the errors of the others. */
	private check(fields: unknown, options: Parameters<typeof validateEndpoint>[1]): { value: Payload; errors: FieldError[] } {
		const result = validateEndpoint(fields, options);
		return { value: result.value as Payload, errors: result.ok ? [] : [...result.errors] };
	}

	/** Splits off maintained fields, the mask the app sends back for secrets, and secrets this extension sealed. */
	private userInput(input: unknown): { fields: unknown; sealed: string | null } {
		if (!input || typeof input !== 'object' || Array.isArray(input)) return { fields: input, sealed: null };
		const fields = Object.fromEntries(Object.entries(input).filter(([key]) => !MAINTAINED.includes(key)));
		if (fields.secrets === MASK) delete fields.secrets;
		if (!SecretBox.isSealed(fields.secrets)) return { fields, sealed: null };
		const { secrets, ...rest } = fields;
		return { fields: rest, sealed: secrets as string };
	}

	private async suffixTaken(knex: Knex, suffix: string, ownId: string | number | null): Promise<boolean> {
		const query = knex(ENDPOINTS_COLLECTION).first('id').where({ suffix });
		if (ownId !== null) query.whereNot({ id: ownId });
		return (await query) !== undefined;
	}

	private async usedCollections(knex: Knex): Promise<Set<string>> {
		const rows: { collection: string | null }[] = await knex(ENDPOINTS_COLLECTION).select('collection');
		return new Set(rows.map((row) => row.collection ?? '').filter(Boolean));
	}
}

/**
 * Why the storage collection would get more than MAX_MAPPINGS mapped fields (those it has from
 * earlier mappings, which are never dropped, plus new ones), or null. Each added field rebuilds the
 * table on SQLite and holds every request of the instance meanwhile.
 */
function mappedFieldsProblem(collection: string, mappings: FieldMapping[] | undefined, schema: SchemaOverview): string | null {
	if (!mappings || mappings.length === 0) return null;
	const builtin = new Set<string>(STORAGE_FIELDS);
	const existing = Object.keys(schema.collections[collection]?.fields ?? {}).filter((field) => !builtin.has(field));
	const total = new Set([...existing, ...mappings.map((mapping) => mapping.field)]).size;
	if (total <= MAX_MAPPINGS) return mappedTypeProblem(collection, mappings, schema);
	return `would give the storage collection "${collection}" ${total} mapped fields (it keeps ${existing.length} from earlier mappings); at most ${MAX_MAPPINGS}: reuse existing field names`;
}

// Types Directus reports alike for a column it made as the mapping's type (a timestamp on SQLite).
const SAME_TYPES: Record<string, readonly string[]> = { timestamp: ['timestamp', 'dateTime'] };

/**
 * Why a mapping would write into a field the storage already has with another type (one made by an
 * earlier mapping, or by another endpoint sharing the collection), or null: its values would not fit.
 */
function mappedTypeProblem(collection: string, mappings: FieldMapping[], schema: SchemaOverview): string | null {
	const fields = schema.collections[collection]?.fields ?? {};
	for (const mapping of mappings) {
		const type = fields[mapping.field]?.type;
		if (type === undefined || (SAME_TYPES[mapping.type] ?? [mapping.type]).includes(type)) continue;
		return `"${mapping.field}" is already a ${type} field of "${collection}": map it as ${type} or choose another field name`;
	}
	return null;
}

/**
 * Why a collection cannot hold the endpoint's requests, or null. A collection named on purpose
 * (`chosen`) may be shared with other endpoints when it was made to be shared (it has `dedupe_key`);
 * a name derived from the suffix never is.
 */
function collectionProblem(collection: string, used: Set<string>, schema: SchemaOverview, mayTakeOver: boolean, chosen = false): string | null {
	const existing = schema.collections[collection];
	if (used.has(collection)) {
		if (!chosen) return `"${collection}" already stores another endpoint's requests`;
		if (!existing?.fields[DEDUPE_FIELD]) return `"${collection}" stores another endpoint's requests and was made before storage could be shared; choose "${SHARED_STORAGE_COLLECTION}" or a new name`;
		// Its rows, other endpoints' requests among them, would reach this endpoint's answers and Flows.
		if (!mayTakeOver) return `"${collection}" already stores other endpoints' requests: only an admin may add an endpoint to it; choose a new name`;
		return null;
	}
	if (existing && !STORAGE_MARKERS.every((field) => existing.fields[field])) return `"${collection}" already exists and is not a storage collection of incoming requests`;
	if (existing && !mayTakeOver) return `"${collection}" already exists: only an admin may give an endpoint the requests stored there; choose a new name`;
	return null;
}

/**
 * The derived name, or with _2, _3 ... when taken by another endpoint or an unrelated collection.
 * A storage collection kept from a deleted endpoint is taken over (by admins), so its history continues.
 */
function freeCollectionName(base: string, used: Set<string>, schema: SchemaOverview, mayTakeOver: boolean): string {
	for (let index = 1; ; index += 1) {
		const name = index === 1 ? base : `${base}_${index}`;
		if (collectionProblem(name, used, schema, mayTakeOver) === null) return name;
	}
}

/** A string field the field rules accepted (they keep it as sent), or null. */
function validPart(fields: unknown, field: 'suffix' | 'collection', errors: FieldError[]): string | null {
	const value = fields && typeof fields === 'object' ? (fields as Payload)[field] : undefined;
	if (typeof value !== 'string' || errors.some((error) => error.field === field || error.field === '(body)')) return null;
	return value;
}
