import { defineHook } from '@directus/extensions-sdk';
import { ENDPOINTS_COLLECTION, INBOUND_PATH, OUTGOING_COLLECTION } from '../shared/collections';
import { ensureStorageFor, storageOf, withUrl } from '../api/inbound/config/endpoints-service';
import { dropStorage } from '../api/inbound/storage/storage-collection';
import { beforeItemWrite, onItemAction } from '../api/outbound/capture/event-handlers';
import { guardHeadersQuery } from '../api/outbound/config/header-query-guard';
import { DELIVERY_LOG_COLLECTIONS, DELIVERY_LOG_EVENTS, guardDeliveryLog } from '../api/outbound/log/delivery-log-guard';
import { BEFORE_WRITE_SOURCES, EVENT_SOURCES } from '../api/outbound/capture/event-sources';
import type { Knex } from 'knex';
import type { Accountability, ExtensionContext, SchemaOverview } from '../api/context';
import { useRuntime } from '../api/runtime';
import { beforeDatabaseCloses } from '../api/db/shutdown';
import { SchemaInstaller } from '../api/schema/schema-installer';

/** Throws Directus's own 403 unless the caller may update these webhooks; writes nothing. */
async function mayUpdateWebhooks(context: ExtensionContext, knex: Knex, schema: SchemaOverview, accountability: Accountability | null, keys: (string | number)[]): Promise<void> {
	if (!accountability || accountability.admin || keys.length === 0) return;
	const items = new context.services.ItemsService(OUTGOING_COLLECTION, { knex, schema, accountability });
	await items.updateMany(keys, {}, { emitEvents: false, skipTracking: true });
}

export default defineHook(({ init, action, filter, schedule }, context) => {
	const runtime = () => useRuntime(context);

	// Before the server listens: schema, then config, then the delivery worker.
	init('app.before', async () => {
		try {
			const report = await new SchemaInstaller(context).install();
			if (report.createdCollections.length + report.addedFields.length > 0 || report.moduleBarUpdated) {
				context.logger.info({ webhooks: report }, '[webhooks] schema installed');
			}
			const { registry, endpoints, dispatcher, settings } = runtime();
			await Promise.all([registry.reload(), endpoints.reload()]);
			registry.startPolling(settings.configRefreshMs);
			endpoints.startPolling(settings.configRefreshMs);
			if (settings.dispatcher) dispatcher.start();
			beforeDatabaseCloses(context.database, () => runtime().shutdown());
		} catch (error) {
			context.logger.error(error, '[webhooks] could not start');
			throw error;
		}
	});

	// Requests wait for our schema changes in progress (see schema-change-gate). Inbound endpoints
	// run ahead of Directus's body parser and auth: they need the exact bytes.
	init('middlewares.before', ({ app }) => {
		app.use(runtime().schemaGate.middleware);
		app.use(INBOUND_PATH, runtime().inbound.middleware);
	});

	for (const source of EVENT_SOURCES) {
		action(source.event, (meta, eventContext) => onItemAction(runtime(), source, meta, eventContext as never));
	}
	for (const source of BEFORE_WRITE_SOURCES) {
		filter(source.event, async (input, meta, eventContext) => {
			await beforeItemWrite(runtime(), source, input, meta, eventContext as never);
			return input;
		});
	}

	// Every write of webhook config, whichever API it comes through.
	// The caller's accountability limits what a non-admin's webhook may name (delegate-check).
	// Reads go through the write's own knex (a transaction's, if any): SQLite has a single connection.
	filter(`${OUTGOING_COLLECTION}.items.create`, (payload, _meta, { schema, database, accountability }) =>
		runtime().config.prepareCreate(payload, database ?? context.database, schema!, (accountability as Accountability | null) ?? null),
	);
	filter(`${OUTGOING_COLLECTION}.items.update`, (payload, meta, { schema, database, accountability }) => {
		const knex = database ?? context.database;
		const caller = (accountability as Accountability | null) ?? null;
		return runtime().config.prepareUpdate(payload, meta.keys ?? [], knex, schema!, caller, () => mayUpdateWebhooks(context, knex, schema!, caller, meta.keys ?? []));
	});
	filter(`${OUTGOING_COLLECTION}.items.query`, (query) => guardHeadersQuery(query));
	filter(`${OUTGOING_COLLECTION}.items.read`, (items) => (Array.isArray(items) ? items.map((item) => runtime().config.maskItem(item)) : items));
	action(`${OUTGOING_COLLECTION}.items.create`, () => runtime().registry.reload());
	action(`${OUTGOING_COLLECTION}.items.update`, () => runtime().registry.reload());
	action(`${OUTGOING_COLLECTION}.items.delete`, async ({ keys }) => {
		await runtime().store.deleteForWebhooks((keys as (string | number)[]).map(Number));
		await runtime().registry.reload();
	});

	for (const collection of DELIVERY_LOG_COLLECTIONS) {
		for (const event of DELIVERY_LOG_EVENTS) filter(`${collection}.items.${event}`, (input, _meta, { accountability }) => guardDeliveryLog(input, accountability));
	}

	// Every write of inbound endpoint config; /items writes get their storage collection here too.
	// Reads go through the write's own transaction: SQLite has a single connection.
	filter(`${ENDPOINTS_COLLECTION}.items.create`, (payload, _meta, { schema, database, accountability }) =>
		runtime().endpointConfig.prepareCreate(payload, database ?? context.database, schema!, accountability ?? null),
	);
	filter(`${ENDPOINTS_COLLECTION}.items.update`, (payload, meta, { database, schema }) =>
		runtime().endpointConfig.prepareUpdate(payload, meta.keys ?? [], database ?? context.database, schema ?? undefined),
	);
	filter(`${ENDPOINTS_COLLECTION}.items.read`, (items) => (Array.isArray(items) ? items.map((item) => withUrl(item, runtime().settings.publicUrl)) : items));
	// These run after the response: the gate holds the client's next request until they are done.
	const endpointsChanged = (keys: (string | number)[]) =>
		runtime().schemaGate.hold(async () => {
			await ensureStorageFor(context, keys);
			await runtime().endpoints.reload();
		});
	action(`${ENDPOINTS_COLLECTION}.items.create`, ({ key }) => endpointsChanged([key as string | number]));
	action(`${ENDPOINTS_COLLECTION}.items.update`, ({ keys }) => endpointsChanged(keys as (string | number)[]));
	// Storage of deleted endpoints that never stored a request goes: it would use up the licence's
	// collection budget. Read before the delete, in its transaction; dropped after it.
	const deleting = new Map<string, string[]>();
	const deletion = (keys: unknown) => JSON.stringify(keys);
	filter(`${ENDPOINTS_COLLECTION}.items.delete`, async (keys, _meta, { database }) => {
		// Deletes that failed leave their entry: a few kept at most.
		if (deleting.size >= 100) deleting.delete(deleting.keys().next().value!);
		deleting.set(deletion(keys), await storageOf(database ?? context.database, keys as (string | number)[]));
		return keys;
	});
	action(`${ENDPOINTS_COLLECTION}.items.delete`, ({ keys }) =>
		runtime().schemaGate.hold(async () => {
			const candidates = deleting.get(deletion(keys)) ?? [];
			deleting.delete(deletion(keys));
			await runtime().endpoints.reload();
			await dropStorage(context, candidates, { onlyUnused: true }).catch((error) => context.logger.warn(error, '[webhooks] could not drop the storage of a deleted endpoint'));
		}),
	);

	// Retention of the delivery log.
	schedule('17 * * * *', async () => {
		const { store, settings } = runtime();
		const removed = await store.purgeFinished(Date.now() - settings.retentionMs);
		if (removed > 0) context.logger.info(`[webhooks] removed ${removed} finished deliveries past retention`);
	});
});
