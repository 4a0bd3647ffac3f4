// Everything that writes webhook config passes through here (our /webhooks API and Directus's
// own /items and GraphQL, via filter hooks): validation, secret generation, encryption and
// rotation. Secret header values are sealed at rest like the signing secret; reads get them masked.
import { ForbiddenError } from '@directus/errors';
import type { Knex } from 'knex';
import { ATTEMPTS_COLLECTION, DELIVERIES_COLLECTION, OUTGOING_COLLECTION } from '../../../shared/collections';
import { MASKED_NOT_SECRET, URL_NEEDS_SECRET_VALUES } from '../../../shared/secret-headers';
import { validateWebhook, type StoredPairs, type ValidateOptions } from '../../../shared/validate-webhook';
import { ALERT_ACTION, MASK, WEBHOOK_DEFAULTS, type FieldError, type WebhookHeader } from '../../../shared/webhook';
import { withPreset } from '../../../shared/webhook-presets';
import type { Accountability, SchemaOverview } from '../../context';
import { WebhookValidationError } from '../../lib/errors';
import { toCsv, toJson, toNumber } from '../../db/rows';
import { SecretBox } from '../../lib/secret-box';
import { generateSecret } from '../transport/signing';
import { scopeOf, type DelegateCheck } from './delegate-check';
import { assertUnderQuota, type Quota } from '../../lib/owner-quota';

const INTERNAL_COLLECTIONS = [OUTGOING_COLLECTION, DELIVERIES_COLLECTION, ATTEMPTS_COLLECTION];
const PAIRED_FIELDS = ['body_template', 'content_type', 'debounce_seconds', 'debounce_max_seconds', 'actions', 'collections'] as const;

export class WebhookConfig {
	private readonly box: SecretBox;
	private readonly secretOverlapMs: number;
	private readonly delegates: DelegateCheck;
	private readonly quota: Quota | null;

	constructor(box: SecretBox, secretOverlapMs: number, delegates: DelegateCheck, quota: Quota | null = null) {
		this.box = box;
		this.secretOverlapMs = secretOverlapMs;
		this.delegates = delegates;
		this.quota = quota;
	}

	/**
	 * Validates a new webhook and gives it a sealed signing secret (generated unless supplied). A
	 * secret generated here (a create through /items, e.g. the Data Studio) has not been shown to
	 * anyone: its creator may reveal it once on the webhook's page (`secret_unseen`).
	 */
	async prepareCreate(input: unknown, knex: Knex, schema: SchemaOverview, accountability: Accountability | null = null): Promise<Record<string, unknown>> {
		// A preset fills what the caller left out; validation then checks the result like any input.
		const { value: payload, errors } = this.validate(withPreset(input), 'create', schema);
		if (accountability && !accountability.admin) {
			assertSignedIn(accountability);
			await this.delegates.assertMayWrite({ knex, schema, accountability }, OUTGOING_COLLECTION, 'create');
			// Checked on the fields that passed, so every bad field comes in one answer.
			errors.push(...(await this.delegateProblems([payload], knex, schema, accountability)));
		}
		if (errors.length > 0) throw new WebhookValidationError({ errors });
		if (accountability && !accountability.admin && this.quota) await assertUnderQuota(knex, this.quota, accountability);
		if (Array.isArray(payload.headers)) payload.headers = (payload.headers as WebhookHeader[]).map((header) => this.sealed(header));
		if (SecretBox.isSealed(payload.secret)) return payload;
		if (typeof payload.secret === 'string') return { ...payload, secret: this.box.seal(payload.secret) };
		return { ...payload, secret: this.box.seal(generateSecret()), secret_unseen: accountability?.user ?? null };
	}

	/** The plaintext of a stored signing secret (for its one-time reveal). */
	openSecret(sealed: string): string {
		return this.box.open(sealed);
	}

	/**
	 * Validates an update. A new secret rotates: the old one stays valid for the overlap. Masked
	 * header values sent back unchanged (the app does) keep their stored value, on a header that
	 * stays secret; a new URL needs the secret values entered again.
	 */
	async prepareUpdate(input: unknown, keys: (string | number)[], knex: Knex, schema: SchemaOverview, accountability: Accountability | null = null): Promise<Record<string, unknown>> {
		const { value: payload, errors } = this.validate(input, 'update', schema, await storedPairs(input, keys, knex));
		if (accountability && !accountability.admin && keys.length > 0) {
			assertSignedIn(accountability);
			await this.delegates.assertMayWrite({ knex, schema, accountability }, OUTGOING_COLLECTION, 'update');
			// What the webhooks will be after the update: stored values with the change applied.
			const stored: Record<string, unknown>[] = await knex(OUTGOING_COLLECTION)
				.select('actions', 'collections', 'fields', 'watch_fields', 'filter', 'previous_filter', 'include_previous', 'item_role')
				.whereIn('id', keys);
			errors.push(...(await this.delegateProblems(stored.map((row) => ({ ...row, ...payload })), knex, schema, accountability)));
			// Written directly: the caller may have no field permission on it. Should the write fail
			// after this, the webhook is only limited more, never less.
			if (errors.length === 0) await knex(OUTGOING_COLLECTION).whereIn('id', keys).update({ scope_owner: accountability.user ?? null });
		} else if (typeof payload.url === 'string' && keys.length > 0) {
			// An admin (or the system) pointing the webhook elsewhere takes responsibility for it.
			const urls: { url: string }[] = await knex(OUTGOING_COLLECTION).select('url').whereIn('id', keys);
			if (urls.some((row) => row.url !== payload.url)) payload.scope_owner = null;
		}
		if (payload.status === 'active') Object.assign(payload, { disabled_reason: null, failing_since: null, warned_at: null, exhausted_at: null });
		const rotating = typeof payload.secret === 'string' && !SecretBox.isSealed(payload.secret);
		const headers = payload.headers as WebhookHeader[] | undefined;
		const masked = headers?.some((header) => header.value === MASK) ?? false;
		const retargeting = typeof payload.url === 'string';
		if (!rotating && !masked && !retargeting) {
			if (errors.length > 0) throw new WebhookValidationError({ errors });
			if (headers) payload.headers = headers.map((header) => this.sealed(header));
			return payload;
		}
		if ((rotating || masked) && keys.length !== 1) {
			const field = rotating ? 'secret' : 'headers';
			throw new WebhookValidationError({ errors: [...errors, { field, reason: 'can only be set on one webhook at a time' }] });
		}
		// Directus checks permissions after this filter: an error about stored values must not reach
		// a caller who may not update them (it would tell a URL apart, one guess at a time).
		if (masked || retargeting) await this.delegates.assertMayUpdate({ knex, schema, accountability }, OUTGOING_COLLECTION, keys);
		const current: Record<string, unknown>[] = keys.length === 0 ? [] : await knex(OUTGOING_COLLECTION).select('id', 'url', 'secret', 'headers').whereIn('id', keys);
		// Values kept from storage: after a change of URL they would go to a receiver never meant to get them.
		let keptSecret = false;
		if (headers) {
			const stored = new Map(toJson<WebhookHeader[]>(current[0]?.headers, []).map((header) => [header.header.toLowerCase(), header]));
			payload.headers = headers.map((header, index) => {
				if (header.value !== MASK) return this.sealed(header);
				const previous = stored.get(header.header.toLowerCase());
				if (!previous || (previous.secret && !header.secret)) {
					errors.push({ field: `headers[${index}].value`, reason: previous ? MASKED_NOT_SECRET : 'is masked: enter the value again (no stored value has this header name)' });
					return header;
				}
				if (!header.secret) return { ...header, value: previous.value };
				keptSecret ||= previous.secret === true;
				// Stored sealed, or in clear by an earlier version: sealed from now on.
				return SecretBox.isSealed(previous.value) ? { ...header, value: previous.value } : this.sealed({ ...header, value: previous.value });
			});
		} else if (!errors.some((error) => error.field.startsWith('headers'))) {
			// Headers not sent (when sent but malformed, their own errors say enough).
			keptSecret = current.some((row) => toJson<WebhookHeader[]>(row.headers, []).some((header) => header?.secret));
		}
		const urlChanged = retargeting && current.some((row) => row.url !== payload.url);
		if (urlChanged && keptSecret) errors.push({ field: 'headers', reason: URL_NEEDS_SECRET_VALUES });
		if (errors.length > 0) throw new WebhookValidationError({ errors });
		if (!rotating) return payload;
		return {
			...payload,
			secret: this.box.seal(String(payload.secret)),
			secret_unseen: null, // the one-time reveal was of the replaced secret
			secret_previous: current[0]?.secret ?? null,
			secret_previous_expires: current[0]?.secret ? Date.now() + this.secretOverlapMs : null,
		};
	}

	/** A non-admin's webhooks may only name what they may read themselves (delegate-check). */
	private async delegateProblems(configs: Record<string, unknown>[], knex: Knex, schema: SchemaOverview, accountability: Accountability): Promise<FieldError[]> {
		for (const config of configs) {
			// Alerts name other people's webhooks and their errors: admins' only.
			if (toCsv(config.actions).includes(ALERT_ACTION)) return [{ field: 'actions', reason: `only an admin may choose "${ALERT_ACTION}" (webhook alerts)` }];
			const errors = await this.delegates.problems(scopeOf(config), { knex, schema, accountability });
			if (errors.length > 0) return errors;
		}
		return [];
	}

	/** A header as stored: a secret one's value sealed like the signing secret (values from input are always clear). */
	private sealed(header: WebhookHeader): WebhookHeader {
		return header.secret ? { ...header, value: this.box.seal(header.value) } : header;
	}

	/** Masks header values marked secret (the signing secret itself is concealed by Directus). */
	maskItem<T>(item: T): T {
		if (!item || typeof item !== 'object') return item;
		const record = item as Record<string, unknown>;
		if (!Array.isArray(record.headers)) return item;
		return { ...record, headers: (record.headers as WebhookHeader[]).map((header) => (header?.secret ? { ...header, value: MASK } : header)) } as T;
	}

	/** The fields that passed (checks against stored data run on them) and the errors of the others. */
	private validate(input: unknown, mode: 'create' | 'update', schema: SchemaOverview, stored?: ValidateOptions['stored']): { value: Record<string, unknown>; errors: FieldError[] } {
		const { fields, sealed } = userInput(input);
		// Our own collections are not webhook sources: their rows hold secrets and delivery logs.
		const collections = Object.keys(schema.collections).filter((name) => !INTERNAL_COLLECTIONS.includes(name));
		const result = validateWebhook(fields, { mode, collections, ...(stored ? { stored } : {}) });
		const value = result.value as Record<string, unknown>;
		if (sealed !== null) value.secret = sealed;
		return { value, errors: result.ok ? [] : [...result.errors] };
	}
}

/**
 * The stored values an update changing a field of a pair (template and content type, debounce and
 * its cap, actions and collections) is checked against: the first webhook's when several change at once.
 */
async function storedPairs(input: unknown, keys: (string | number)[], knex: Knex): Promise<StoredPairs | undefined> {
	if (!input || typeof input !== 'object' || keys.length === 0) return undefined;
	if (!PAIRED_FIELDS.some((field) => field in input)) return undefined;
	const row: Record<string, unknown> | undefined = await knex(OUTGOING_COLLECTION).first(...PAIRED_FIELDS).whereIn('id', keys);
	if (!row) return undefined;
	return {
		body_template: typeof row.body_template === 'string' ? row.body_template : null,
		content_type: typeof row.content_type === 'string' ? row.content_type : WEBHOOK_DEFAULTS.content_type,
		debounce_seconds: toNumber(row.debounce_seconds) ?? 0,
		debounce_max_seconds: toNumber(row.debounce_max_seconds),
		actions: toCsv(row.actions),
		collections: toCsv(row.collections),
	};
}

/**
 * A non-admin write without a user (the public, a role-only token) would leave the webhook with no
 * owner, and an ownerless webhook sends with full access: whatever a policy says, refuse it.
 */
function assertSignedIn(accountability: Accountability): void {
	if (!accountability.user) throw new ForbiddenError({ reason: 'webhooks can only be created or changed by a signed-in user' });
}

/**
 * Splits off what is not user input: a secret this extension already sealed, and fields that
 * Directus or the extension maintain themselves.
 */
function userInput(input: unknown): { fields: unknown; sealed: string | null } {
	if (!input || typeof input !== 'object' || Array.isArray(input)) return { fields: input, sealed: null };
	// user_created/user_updated/scope_owner decide what deliveries may send: never user input.
	const { date_created: _c, date_updated: _u, user_created: _uc, user_updated: _uu, scope_owner: _so, secret_previous: _p, secret_previous_expires: _e, ...fields } = input as Record<string, unknown>;
	if (!SecretBox.isSealed(fields.secret)) return { fields, sealed: null };
	const { secret, ...rest } = fields;
	return { fields: rest, sealed: secret as string };
}
