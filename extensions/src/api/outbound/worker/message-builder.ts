// Builds the HTTP request of a delivery: the body (legacy event shape, or the item read at
// delivery time with a chosen role's permissions, or the webhook's template filled from either)
// and the headers, signed per Standard Webhooks.
// A webhook created or last changed by a non-admin sends only what they may read (owner-scope),
// and of what was read before a write (previous values, a deleted row) only what they could read
// then (prior-access).
import type { ExtensionContext, SchemaOverview } from '../../context';
import { SYSTEM_ACCOUNTABILITY, type Accountability } from '../../context';
import type { ClaimedDelivery } from '../queue/delivery-store';
import { redactItem } from '../capture/redact';
import { webhookHeaders } from '../transport/signing';
import type { RegisteredWebhook } from '../config/webhook-registry';
import { ALERT_EVENTS, BATCH_EVENT, MASK } from '../../../shared/webhook';
import { windowData } from '../queue/debounce-window';
import { WindowBody } from './window-body';
import { SkipDelivery } from './delivery-skip';
import { pick, roleAccountability, withItemRole, type OwnerScope } from './owner-scope';
import { READERS_BEFORE, readableBefore } from '../capture/prior-access';
import { deliveryContext, renderBody, renderPart, usesPlaceholders } from './request-template';
import { NESTED, type NestedGroup } from '../capture/nested-groups';

export const USER_AGENT = 'directus-extension-webhooks';

export interface OutgoingRequest {
	url: string;
	method: string;
	headers: Record<string, string>;
	body: string | null;
	/** The headers as they may be logged: secret values masked. */
	loggedHeaders: Record<string, string>;
}

export { SkipDelivery };

export class MessageBuilder {
	private readonly context: Pick<ExtensionContext, 'services' | 'database' | 'getSchema'>;
	private readonly scope: OwnerScope;
	private readonly windows: WindowBody;

	constructor(context: Pick<ExtensionContext, 'services' | 'database' | 'getSchema'>, scope: OwnerScope) {
		this.context = context;
		this.scope = scope;
		this.windows = new WindowBody(context, scope);
	}

	async build(webhook: RegisteredWebhook, delivery: ClaimedDelivery, now = Date.now()): Promise<OutgoingRequest> {
		// Admin-owned webhooks (no owner recorded, or admins) take the path below unchanged.
		const readers = webhook.owners.length > 0 ? await this.scope.readersFor(webhook.owners) : [];
		// Alerts name other people's webhooks: never sent for a non-admin owner (config refuses it too).
		if (readers.length > 0 && isAlertEvent(delivery.event)) throw new SkipDelivery('webhook alerts go only to webhooks that admins own');
		const sendsBody = webhook.data && webhook.method !== 'GET';
		const placeholders = usesPlaceholders(webhook);
		let content: Record<string, unknown> | null = null;
		const window = delivery.event === BATCH_EVENT ? windowData(delivery.event_data) : null;
		if (window) {
			content = await this.windows.build(webhook, window, readers);
		} else if (readers.length > 0) {
			// Checked even without a body: the event itself must be one the owners may see. Who wrote
			// (user and role ids) is left out: the owners may not read those users or roles.
			const { accountability: _writer, ...payload } = await this.ownersPayload(webhook, delivery, readers);
			content = payload;
		} else if (sendsBody || placeholders) {
			content = await this.payload(webhook, delivery);
		}
		const context = content !== null && (placeholders || (sendsBody && webhook.bodyTemplate !== null)) ? deliveryContext(webhook, delivery, content, now) : null;
		const body = sendsBody && content !== null ? renderBody(webhook, content, context) : null;
		const headers: Record<string, string> = { 'user-agent': USER_AGENT };
		const loggedHeaders: Record<string, string> = { 'user-agent': USER_AGENT };
		if (body !== null) {
			headers['content-type'] = loggedHeaders['content-type'] = webhook.contentType;
			// A known length rather than chunked encoding, which some receivers and proxies refuse.
			headers['content-length'] = loggedHeaders['content-length'] = String(Buffer.byteLength(body));
		}
		for (const header of webhook.headers) {
			const value = renderPart(header.value, context, 'header');
			headers[header.header.toLowerCase()] = value;
			loggedHeaders[header.header.toLowerCase()] = header.secret ? MASK : value;
		}
		// Signed over the exact bytes sent, template or not.
		const signed = webhookHeaders({ id: delivery.message_id, timestamp: Math.floor(now / 1000), body: body ?? '', secrets: webhook.secrets });
		Object.assign(headers, signed);
		Object.assign(loggedHeaders, signed);
		return { url: renderPart(webhook.url, context, 'url'), method: webhook.method, headers, body, loggedHeaders };
	}

	private async payload(webhook: RegisteredWebhook, delivery: ClaimedDelivery): Promise<Record<string, unknown>> {
		const data = delivery.event_data;
		const action = String(data.action ?? '');
		const needsItem = webhook.payload === 'item' || (webhook.filter !== null && action !== 'delete');
		if (!needsItem || delivery.collection === null || delivery.item_key === null) return this.eventBody(webhook, data);

		const schema = await this.context.getSchema();
		// Admins' reads return auth_data as stored (a related user's too): masked here like the event payload.
		const item = redactItem(schema, delivery.collection, await this.readItem(webhook, delivery.collection, delivery.item_key, schema));
		if (webhook.filter !== null && action !== 'delete' && item === null) {
			throw new SkipDelivery('the item does not match the webhook filter (or is no longer readable)');
		}
		if (webhook.payload !== 'item') return this.eventBody(webhook, data);
		const { payload: _payload, ...rest } = eventFields(data);
		return { ...rest, item };
	}

	/** The body as the webhook's non-admin owners (and its item_role) may see it. */
	private async ownersPayload(webhook: RegisteredWebhook, delivery: ClaimedDelivery, owners: Accountability[]): Promise<Record<string, unknown>> {
		let data = delivery.event_data;
		// A test event carries no collection data.
		if (delivery.collection === null || delivery.item_key === null) return this.eventBody(webhook, data);
		const schema = await this.context.getSchema();
		const readers = withItemRole(owners, webhook.itemRole);
		// Rows are read as the owners now; how a row was before the write was recorded by prior-access.
		const before = readableBefore(data, readers);
		if (data.action === 'delete') {
			await this.scope.assertCollectionReadable(readers, delivery.collection, schema);
			if (before === null) throw new SkipDelivery("it is not known whether the webhook's owner could read this item before it was deleted");
			if (!before) throw new SkipDelivery("the webhook's owner could not read this item before it was deleted");
			// The deleted row's field permissions can no longer be checked: no previous values.
			const { previous: _previous, ...rest } = this.eventBody(webhook, data);
			return rest;
		}
		const fields = webhook.payload === 'item' && webhook.fields.length > 0 ? webhook.fields : ['*'];
		const item = await this.scope.readItem(readers, delivery.collection, delivery.item_key, schema, { fields, filter: webhook.filter });
		if (Array.isArray(data[NESTED])) data = { ...data, [NESTED]: await this.readableNested(data[NESTED] as NestedGroup[], readers, schema) };
		// A promote names its content version: only to owners who may read that version.
		if (data.version && !(await this.versionReadable(data.version, readers, schema))) {
			const { version: _version, ...rest } = data;
			data = rest;
		}
		const readable = new Set(Object.keys(item));
		const previous = before === true && data.previous ? pick(data.previous, readable) : undefined;
		if (webhook.payload === 'item') {
			const { payload: _payload, previous: _previous, ...rest } = eventFields(data);
			const body: Record<string, unknown> = { ...rest, item };
			if (webhook.includePrevious && previous) body.previous = previous;
			return body;
		}
		const { previous: _previous, ...body } = this.eventBody(webhook, data);
		if (body.payload && typeof body.payload === 'object' && !Array.isArray(body.payload)) body.payload = pick(body.payload, readable);
		return webhook.includePrevious && previous ? { ...body, previous } : body;
	}

	/**
	 * A parent's folded children as its owners may see them: keys they can read now, and of deleted
	 * children those they could read just before (unchecked ones are left out).
	 */
	private async readableNested(groups: NestedGroup[], readers: Accountability[], schema: SchemaOverview): Promise<NestedGroup[]> {
		const visible: NestedGroup[] = [];
		for (const group of groups) {
			let keys: (string | number)[];
			if (group.action === 'delete') {
				keys = group.keys.filter((key) => readableBefore({ [READERS_BEFORE]: group[READERS_BEFORE]?.[String(key)] }, readers) === true);
			} else {
				keys = group.keys;
				for (const reader of readers) {
					const readable = await this.scope.readableKeys(reader, group.collection, keys, schema).catch(() => new Set<string>());
					keys = keys.filter((key) => readable.has(String(key)));
				}
			}
			if (keys.length > 0) visible.push({ collection: group.collection, action: group.action, keys });
		}
		return visible;
	}

	private async versionReadable(version: unknown, readers: Accountability[], schema: SchemaOverview): Promise<boolean> {
		const id = (version as { id?: unknown }).id;
		if (typeof id !== 'string') return false;
		for (const reader of readers) {
			const readable: Set<string> = await this.scope.readableKeys(reader, 'directus_versions', [id], schema).catch(() => new Set<string>());
			if (!readable.has(id)) return false;
		}
		return true;
	}

	/** The legacy Directus webhook body, narrowed to the chosen fields. */
	private eventBody(webhook: RegisteredWebhook, data: Record<string, unknown>): Record<string, unknown> {
		const body = eventFields(data);
		// Only an item's payload: a manual send's is the sender's own.
		if (webhook.fields.length > 0 && typeof data.collection === 'string' && body.payload && typeof body.payload === 'object' && !Array.isArray(body.payload)) {
			const payload = body.payload as Record<string, unknown>;
			body.payload = Object.fromEntries(Object.entries(payload).filter(([key]) => webhook.fields.includes(key)));
		}
		if (!webhook.includePrevious) delete body.previous;
		return body;
	}

	private async readItem(webhook: RegisteredWebhook, collection: string, key: string, schema: SchemaOverview): Promise<Record<string, unknown> | null> {
		const primary = schema.collections[collection]?.primary;
		if (!primary) return null;
		const { ItemsService } = this.context.services;
		const accountability: Accountability = webhook.itemRole ? roleAccountability(webhook.itemRole) : SYSTEM_ACCOUNTABILITY;
		const items = new ItemsService(collection, { knex: this.context.database, schema, accountability });
		// Directus validates the filter shape when it runs the query.
		const filter = (webhook.filter ? { _and: [{ [primary]: { _eq: key } }, webhook.filter] } : { [primary]: { _eq: key } }) as never;
		try {
			const rows = await items.readByQuery({ filter, fields: webhook.fields.length > 0 ? webhook.fields : ['*'], limit: 1 });
			return (rows[0] as Record<string, unknown> | undefined) ?? null;
		} catch {
			// The role may not read the item at all: treat as not readable.
			return null;
		}
	}
}

/** The event's fields as sent: without those kept for building it (the action, who could read it before the write). */
function eventFields(data: Record<string, unknown>): Record<string, unknown> {
	const { action: _action, [READERS_BEFORE]: _readers, ...fields } = data;
	if (Array.isArray(fields[NESTED])) fields[NESTED] = (fields[NESTED] as NestedGroup[]).map(({ collection, action, keys }) => ({ collection, action, keys }));
	return fields;
}

function isAlertEvent(event: string): boolean {
	return (ALERT_EVENTS as readonly string[]).includes(event);
}
