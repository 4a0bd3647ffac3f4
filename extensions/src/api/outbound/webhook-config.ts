// Everything that writes webhook config passes through here (our /webhooks API and Directus's
// own /items and GraphQL, via filter hooks): validation, secret generation, encryption and
// rotation. Reads get secret header values masked.
import type { Knex } from 'knex';
import { ATTEMPTS_COLLECTION, DELIVERIES_COLLECTION, OUTGOING_COLLECTION } from '../../shared/collections';
import { validateWebhook } from '../../shared/validate-webhook';
import { MASK, type WebhookHeader } from '../../shared/webhook';
import type { SchemaOverview } from '../context';
import { WebhookValidationError } from '../errors';
import { toJson } from '../rows';
import { SecretBox } from '../secret-box';
import { generateSecret } from './signing';

const INTERNAL_COLLECTIONS = [OUTGOING_COLLECTION, DELIVERIES_COLLECTION, ATTEMPTS_COLLECTION];

export class WebhookConfig {
	private readonly box: SecretBox;
	private readonly secretOverlapMs: number;

	constructor(box: SecretBox, secretOverlapMs: number) {
		this.box = box;
		this.secretOverlapMs = secretOverlapMs;
	}

	/**
	 * Validates a new webhook and gives it a sealed signing secret (generated unless supplied). A
	 * secret generated here (a create through /items, e.g. the Data Studio) has not been shown to
	 * anyone: `creator` may reveal it once on the webhook's page (`secret_unseen`).
	 */
	prepareCreate(input: unknown, schema: SchemaOverview, creator: string | null = null): Record<string, unknown> {
		const payload = this.validate(input, 'create', schema);
		if (SecretBox.isSealed(payload.secret)) return payload;
		if (typeof payload.secret === 'string') return { ...payload, secret: this.box.seal(payload.secret) };
		return { ...payload, secret: this.box.seal(generateSecret()), secret_unseen: creator };
	}

	/** The plaintext of a stored signing secret (for its one-time reveal). */
	openSecret(sealed: string): string {
		return this.box.open(sealed);
	}

	/**
	 * Validates an update. A new secret rotates: the old one stays valid for the overlap. Masked
	 * header values sent back unchanged (the app does) keep their stored value.
	 */
	async prepareUpdate(input: unknown, keys: (string | number)[], knex: Knex, schema: SchemaOverview): Promise<Record<string, unknown>> {
		const payload = this.validate(input, 'update', schema);
		if (payload.status === 'active') Object.assign(payload, { disabled_reason: null, failing_since: null });
		const rotating = typeof payload.secret === 'string' && !SecretBox.isSealed(payload.secret);
		const headers = payload.headers as WebhookHeader[] | undefined;
		const masked = headers?.some((header) => header.value === MASK) ?? false;
		if (!rotating && !masked) return payload;
		if (keys.length !== 1) {
			const field = rotating ? 'secret' : 'headers';
			throw new WebhookValidationError({ errors: [{ field, reason: 'can only be set on one webhook at a time' }] });
		}
		const current = await knex(OUTGOING_COLLECTION).first('secret', 'headers').where({ id: keys[0] });
		if (masked && headers) {
			const stored = new Map(toJson<WebhookHeader[]>(current?.headers, []).map((header) => [header.header.toLowerCase(), header.value]));
			payload.headers = headers.map((header) =>
				header.value === MASK && stored.has(header.header.toLowerCase()) ? { ...header, value: stored.get(header.header.toLowerCase())! } : header,
			);
		}
		if (!rotating) return payload;
		return {
			...payload,
			secret: this.box.seal(String(payload.secret)),
			secret_unseen: null, // the one-time reveal was of the replaced secret
			secret_previous: current?.secret ?? null,
			secret_previous_expires: current?.secret ? Date.now() + this.secretOverlapMs : null,
		};
	}

	/** Masks header values marked secret (the signing secret itself is concealed by Directus). */
	maskItem<T>(item: T): T {
		if (!item || typeof item !== 'object') return item;
		const record = item as Record<string, unknown>;
		if (!Array.isArray(record.headers)) return item;
		return { ...record, headers: (record.headers as WebhookHeader[]).map((header) => (header?.secret ? { ...header, value: MASK } : header)) } as T;
	}

	private validate(input: unknown, mode: 'create' | 'update', schema: SchemaOverview): Record<string, unknown> {
		const { fields, sealed } = userInput(input);
		// Our own collections are not webhook sources: their rows hold secrets and delivery logs.
		const collections = Object.keys(schema.collections).filter((name) => !INTERNAL_COLLECTIONS.includes(name));
		const result = validateWebhook(fields, { mode, collections });
		if (!result.ok) throw new WebhookValidationError({ errors: result.errors });
		const value = result.value as Record<string, unknown>;
		if (sealed !== null) value.secret = sealed;
		return value;
	}
}

/**
 * Splits off what is not user input: a secret this extension already sealed, and fields that
 * Directus or the extension maintain themselves.
 */
function userInput(input: unknown): { fields: unknown; sealed: string | null } {
	if (!input || typeof input !== 'object' || Array.isArray(input)) return { fields: input, sealed: null };
	const { date_created: _c, date_updated: _u, secret_previous: _p, secret_previous_expires: _e, ...fields } = input as Record<string, unknown>;
	if (!SecretBox.isSealed(fields.secret)) return { fields, sealed: null };
	const { secret, ...rest } = fields;
	return { fields: rest, sealed: secret as string };
}
