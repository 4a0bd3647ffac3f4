// The outgoing-webhooks API, one instance per request like Directus's own services. Reads and
// writes go through Directus's ItemsService with the caller's accountability, so Directus
// permissions decide who may do what (admins by default) and every hook applies.
import { ForbiddenError, InvalidPayloadError } from '@directus/errors';
import { ATTEMPTS_COLLECTION, DELIVERIES_COLLECTION, OUTGOING_COLLECTION } from '../../../shared/collections';
import type { Accountability, ExtensionContext, SchemaOverview } from '../../context';
import type { Runtime } from '../../runtime';
import { SecretAlreadySeenError, WebhookInactiveError, WebhookValidationError } from '../../lib/errors';
import { MANUAL_EVENT, TEST_EVENT } from '../../../shared/webhook';
import { manualPayload } from './manual-payload';
import { validateRecover, validateReplay, type RecoverResult } from '../../../shared/recovery';
import { PUBLIC_DELIVERY_FIELDS, publicDeliveryQuery } from '../log/delivery-log-query';
import { messageId } from '../queue/message-id';
import type { DeliveryRange } from '../queue/delivery-recovery';
import { generateSecret } from '../transport/signing';

type Query = Record<string, unknown>;
type Item = Record<string, unknown>;

export interface WebhooksServiceOptions {
	context: Pick<ExtensionContext, 'services' | 'database'>;
	runtime: Runtime;
	schema: SchemaOverview;
	accountability: Accountability | null;
}

export class WebhooksService {
	private readonly options: WebhooksServiceOptions;

	constructor(options: WebhooksServiceOptions) {
		this.options = options;
	}

	private items(collection: string) {
		const { context, schema, accountability } = this.options;
		return new context.services.ItemsService(collection, { knex: context.database, schema, accountability });
	}

	/**
	 * The delivery log with system rights: it is closed to non-admins through /items (see
	 * delivery-log-guard), so callers reach it only here, after the webhook was read as them.
	 */
	private log(collection: typeof DELIVERIES_COLLECTION | typeof ATTEMPTS_COLLECTION) {
		const { context, schema } = this.options;
		return new context.services.ItemsService(collection, { knex: context.database, schema, accountability: null });
	}

	list(query: Query): Promise<Item[]> {
		return this.items(OUTGOING_COLLECTION).readByQuery(query);
	}

	read(id: number, query: Query = {}): Promise<Item> {
		return this.items(OUTGOING_COLLECTION).readOne(id, query);
	}

	/** Creates one or many webhooks; the response is the only place their secrets appear. */
	async create(input: unknown): Promise<Item | Item[]> {
		const many = Array.isArray(input);
		const inputs = many ? input : [input];
		if (inputs.length === 0 || inputs.some((item) => !item || typeof item !== 'object' || Array.isArray(item))) {
			throw new WebhookValidationError({ errors: [{ field: '(body)', reason: 'must be a webhook object or a non-empty array of webhook objects' }] });
		}
		const secrets = inputs.map((item) => {
			const given = (item as Item).secret;
			return typeof given === 'string' ? given : generateSecret();
		});
		const keys: (string | number)[] = await this.items(OUTGOING_COLLECTION).createMany(
			inputs.map((item, index) => ({ ...(item as Item), secret: secrets[index] })),
		);
		await this.options.runtime.registry.reload();
		const created: Item[] = await this.items(OUTGOING_COLLECTION).readMany(keys);
		const byKey = new Map(created.map((item) => [String(item.id), item]));
		const result = keys.map((key, index) => ({ ...byKey.get(String(key)), secret: secrets[index] }));
		return many ? result : result[0]!;
	}

	async update(id: number, input: unknown): Promise<Item> {
		if (!input || typeof input !== 'object' || Array.isArray(input)) {
			throw new WebhookValidationError({ errors: [{ field: '(body)', reason: 'must be an object with the fields to change' }] });
		}
		await this.items(OUTGOING_COLLECTION).updateOne(id, input);
		await this.options.runtime.registry.reload();
		return this.read(id);
	}

	async delete(ids: number[]): Promise<void> {
		await this.items(OUTGOING_COLLECTION).deleteMany(ids);
		await this.options.runtime.store.deleteForWebhooks(ids);
		await this.options.runtime.registry.reload();
	}

	/** A new signing secret; the previous one keeps working for WEBHOOKS_SECRET_OVERLAP. */
	async rotateSecret(id: number): Promise<{ secret: string; previous_valid_until: number }> {
		const secret = generateSecret();
		await this.items(OUTGOING_COLLECTION).updateOne(id, { secret });
		await this.options.runtime.registry.reload();
		return { secret, previous_valid_until: Date.now() + this.options.runtime.settings.secretOverlapMs };
	}

	/**
	 * The signing secret of a webhook created without a given secret (the Data Studio), once: only
	 * its creator or an admin, only while nobody has seen it. Clearing the mark is the claim, so
	 * two concurrent calls cannot both get it.
	 */
	async revealSecret(id: number): Promise<{ secret: string }> {
		const { accountability, context, runtime } = this.options;
		if (!accountability?.user) throw new ForbiddenError();
		await this.read(id, { fields: ['id'] }); // the caller's own read permission first
		const knex = context.database;
		const row: { secret_unseen: string | null; secret: string | null } | undefined = await knex(OUTGOING_COLLECTION).first('secret_unseen', 'secret').where({ id });
		if (!row?.secret_unseen || !row.secret) throw new SecretAlreadySeenError();
		if (!accountability.admin && row.secret_unseen !== accountability.user) throw new ForbiddenError();
		const claimed = await knex(OUTGOING_COLLECTION).where({ id, secret_unseen: row.secret_unseen, secret: row.secret }).update({ secret_unseen: null });
		if (Number(claimed) !== 1) throw new SecretAlreadySeenError();
		return { secret: runtime.config.openSecret(row.secret) };
	}

	/**
	 * A webhook's deliveries: for those who may read the webhook (403 otherwise). Non-admins get
	 * the public fields only (delivery-log-query): event_data holds what they may not read.
	 */
	async deliveries(id: number, query: Query): Promise<Item[]> {
		await this.read(id, { fields: ['id'] });
		const asked = this.isAdmin() ? query : publicDeliveryQuery(query);
		const filter = { _and: [{ webhook: { _eq: id } }, ...(asked.filter ? [asked.filter] : [])] } as never;
		return this.log(DELIVERIES_COLLECTION).readByQuery({ sort: ['-id'], limit: 50, ...asked, filter });
	}

	async delivery(id: number, deliveryId: number): Promise<Item> {
		await this.read(id, { fields: ['id'] });
		return this.deliveryOf(id, deliveryId);
	}

	/**
	 * A delivery with its attempts, once the caller's right to the webhook was checked. A
	 * non-admin sees what was sent and answered only on webhooks they created: those sent only
	 * what their creator may read (owner-scope) ever since, while a later editor would otherwise
	 * see bodies sent before they became an owner.
	 */
	private async deliveryOf(id: number, deliveryId: number): Promise<Item> {
		const [delivery] = (await this.log(DELIVERIES_COLLECTION).readByQuery({
			filter: { _and: [{ id: { _eq: deliveryId } }, { webhook: { _eq: id } }] },
			...(this.isAdmin() ? {} : { fields: PUBLIC_DELIVERY_FIELDS }),
			limit: 1,
		})) as Item[];
		// Another webhook's delivery or none: the same answer, so ids reveal nothing.
		if (!delivery) throw new ForbiddenError();
		const attempts: Item[] = await this.log(ATTEMPTS_COLLECTION).readByQuery({ filter: { delivery: { _eq: deliveryId } }, sort: ['attempt'], limit: -1 });
		const bodies = this.isAdmin() || (await this.isCreator(id));
		return { ...delivery, attempts: bodies ? attempts : attempts.map((attempt) => ({ ...attempt, request_body: null, response_body: null })) };
	}

	/**
	 * Sends a delivery again, with the same webhook-id so receivers can recognise it. Not a
	 * skipped one for non-admins: it would be rebuilt from data stored while its owners could not
	 * read the row (payload and previous values of then), once the row became readable.
	 */
	async resend(id: number, deliveryId: number): Promise<Item> {
		await this.assertCanManage(id);
		const delivery = await this.deliveryOf(id, deliveryId);
		if (!this.isAdmin() && delivery.status === 'skipped') {
			throw new ForbiddenError({ reason: 'only an admin may resend a skipped delivery' });
		}
		if (!(await this.options.runtime.store.resend(deliveryId))) {
			throw new InvalidPayloadError({ reason: 'the delivery is being sent right now; try again in a moment' });
		}
		this.options.runtime.dispatcher.wake();
		return this.deliveryOf(id, deliveryId);
	}

	/**
	 * Sends a range's finished deliveries again (default: the failed ones), oldest first, with their
	 * own message ids; a dry run only counts them. Skipped ones only for admins, as resend.
	 */
	async recover(id: number, body: unknown): Promise<RecoverResult> {
		await this.assertCanManage(id);
		const checked = validateRecover(body);
		if (!checked.ok) throw new WebhookValidationError({ errors: checked.errors });
		const { since, until, statuses, dry_run } = checked.value;
		if (!this.isAdmin() && statuses.includes('skipped')) throw new ForbiddenError({ reason: 'only an admin may resend skipped deliveries' });
		return this.requeue(id, { webhook: id, since, until, statuses }, dry_run);
	}

	/**
	 * Sends what the webhook recorded while it was inactive or disabled (missed), oldest first; a
	 * debounced webhook gets them as one delivery. These were never built, so owners' permissions
	 * apply when they are, as for any delivery.
	 */
	async replayMissed(id: number, body: unknown): Promise<RecoverResult> {
		await this.assertCanManage(id);
		const checked = validateReplay(body);
		if (!checked.ok) throw new WebhookValidationError({ errors: checked.errors });
		const { since, until, dry_run } = checked.value;
		return this.requeue(id, { webhook: id, since, until, statuses: ['skipped'], missedOnly: true }, dry_run);
	}

	private async requeue(id: number, range: DeliveryRange, dryRun: boolean): Promise<RecoverResult> {
		// System rights: the caller may have no field permission on these.
		const row: { status: string; debounce_seconds: unknown } | undefined = await this.options.context.database(OUTGOING_COLLECTION).first('status', 'debounce_seconds').where({ id });
		// Sent to an inactive webhook they would only be skipped (and recorded as missed) again.
		if (row?.status !== 'active') throw new WebhookInactiveError();
		const { recovery, dispatcher } = this.options.runtime;
		if (dryRun) return recovery.count(range);
		const result = range.missedOnly && Number(row.debounce_seconds) > 0 ? await recovery.replayAsWindow(range) : await recovery.requeue(range);
		if (result.count > 0) dispatcher.wake();
		return result;
	}

	/** Queues a test event (`webhook.test`) for the webhook, whatever its collections. */
	async test(id: number): Promise<Item> {
		const webhook = await this.assertCanManage(id);
		return this.queue(id, TEST_EVENT, { webhook: { id, name: webhook.name } });
	}

	/**
	 * Send now: queues a `webhook.manual` delivery at once (debounce does not apply), with `body` as
	 * its payload. Signed, retried and logged like any delivery; the template applies.
	 */
	async trigger(id: number, body: unknown): Promise<Item> {
		const payload = manualPayload(body);
		const webhook = await this.assertCanManage(id);
		// Checked after the caller's rights (who may not manage it learns nothing of its state), with
		// system rights: the caller may have no field permission on status.
		const row: { status: string } | undefined = await this.options.context.database(OUTGOING_COLLECTION).first('status').where({ id });
		if (row?.status !== 'active') throw new WebhookInactiveError();
		return this.queue(id, MANUAL_EVENT, { webhook: { id, name: webhook.name }, payload });
	}

	private async queue(id: number, event: string, data: Record<string, unknown>): Promise<Item> {
		const message = messageId();
		const { store, dispatcher } = this.options.runtime;
		await store.insert([
			{
				webhook: id,
				message_id: message,
				event,
				collection: null,
				item_key: null,
				event_data: { event, ...data, accountability: this.who(), timestamp: new Date().toISOString() },
			},
		]);
		dispatcher.wake();
		const [delivery] = await this.log(DELIVERIES_COLLECTION).readByQuery({ filter: { message_id: { _eq: message } }, limit: 1 });
		return delivery as Item;
	}

	/** Managing deliveries needs the right to update the webhook itself. */
	private async assertCanManage(id: number): Promise<Item> {
		const { accountability } = this.options;
		const webhook: Item = await this.read(id, { fields: ['id', 'name'] });
		if (accountability && !accountability.admin) {
			// Throws ForbiddenError without update permission; writes nothing.
			await this.items(OUTGOING_COLLECTION).updateOne(id, {}, { emitEvents: false });
		}
		return webhook;
	}

	private isAdmin(): boolean {
		const { accountability } = this.options;
		return !accountability || accountability.admin === true;
	}

	/** Read with system rights: the caller may have no field permission on user_created. */
	private async isCreator(id: number): Promise<boolean> {
		const user = this.options.accountability?.user;
		if (!user) return false;
		const row = await this.options.context.database(OUTGOING_COLLECTION).first('user_created').where({ id });
		return row?.user_created === user;
	}

	private who() {
		const { accountability } = this.options;
		return accountability ? { user: accountability.user ?? null, role: accountability.role ?? null } : null;
	}
}
