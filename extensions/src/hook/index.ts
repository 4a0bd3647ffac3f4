// The bundle's hook: wires Directus events to the extension's parts (schema at startup, event
// capture, config validation, storage of endpoints, shutdown). The logic lives in api/.
import { defineHook } from '@directus/extensions-sdk';
import { ENDPOINTS_COLLECTION, INBOUND_PATH, OUTGOING_COLLECTION } from '../shared/collections';
import { withUrl } from '../api/inbound/config/endpoints-service';
import { beforeItemWrite, onItemAction, onItemFilter } from '../api/outbound/capture/event-handlers';
import { guardHeadersQuery } from '../api/outbound/config/header-query-guard';
import { DELIVERY_LOG_COLLECTIONS, DELIVERY_LOG_EVENTS, guardDeliveryLog } from '../api/outbound/log/delivery-log-guard';
import { BEFORE_WRITE_SOURCES, CREATE_SOURCES, EVENT_SOURCES, PROMOTE_SOURCE } from '../api/outbound/capture/event-sources';
import { beforePromote, onPromote } from '../api/outbound/capture/promote-handlers';
import type { Accountability } from '../api/context';
import { useRuntime } from '../api/runtime';
import { beforeDatabaseCloses } from '../api/db/shutdown';
import { SchemaInstaller, changedSchema } from '../api/schema/schema-installer';
import { RefusedLog } from '../api/inbound/refusals/refused-log';
import { METRICS_PATH, metricsTokenMiddleware } from '../api/metrics/metrics-controller';

export default defineHook(({ init, action, filter, schedule }, context) => {
	const runtime = () => useRuntime(context);

	// Before the server listens: schema, then config, then the delivery worker.
	init('app.before', async () => {
		try {
			const report = await new SchemaInstaller(context).install();
			if (changedSchema(report)) {
				context.logger.info({ webhooks: report }, '[webhooks] schema installed');
			}
			await RefusedLog.ensureTable(context.database);
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

	// Inbound endpoints run ahead of Directus's body parser and auth: they need the exact bytes.
	init('middlewares.before', ({ app }) => {
		app.use(INBOUND_PATH, runtime().inbound.middleware);
		// The metrics token is not a Directus token: checked before Directus's auth would refuse it.
		app.use(METRICS_PATH, metricsTokenMiddleware(runtime().metrics, runtime().settings.metricsToken));
	});


	// Item events: tracked writes are captured inside their transaction, from the activity record
	// Directus makes there; the others after the commit, from the action (transaction-capture).
	for (const source of EVENT_SOURCES) {
		action(source.event, (meta, eventContext) => onItemAction(runtime(), source, meta, eventContext as never));
	}
	for (const source of CREATE_SOURCES) {
		filter(source.event, (input, meta, eventContext) => {
			onItemFilter(runtime(), source, input, meta, eventContext as never);
			return input;
		});
	}
	for (const source of BEFORE_WRITE_SOURCES) {
		filter(source.event, async (input, meta, eventContext) => {
			onItemFilter(runtime(), source, input, meta, eventContext as never);
			await beforeItemWrite(runtime(), source, input, meta, eventContext as never);
			return input;
		});
	}
	filter('activity.create', async (input, _meta, { database, schema }) => {
		await runtime().transactionCapture.onActivity(input as never, database, schema);
		return input;
	});
	filter(PROMOTE_SOURCE.event, (input, meta) => {
		beforePromote(runtime(), meta);
		return input;
	});
	action(PROMOTE_SOURCE.event, (meta, eventContext) => onPromote(runtime(), meta, eventContext as never));

	// Every write of webhook config, whichever API it comes through.
	// The caller's accountability limits what a non-admin's webhook may name (delegate-check).
	// Reads go through the write's own knex (a transaction's, if any): SQLite has a single connection.
	filter(`${OUTGOING_COLLECTION}.items.create`, (payload, _meta, { schema, database, accountability }) =>
		runtime().config.prepareCreate(payload, database ?? context.database, schema!, (accountability as Accountability | null) ?? null),
	);
	filter(`${OUTGOING_COLLECTION}.items.update`, (payload, meta, { schema, database, accountability }) =>
		runtime().config.prepareUpdate(payload, meta.keys ?? [], database ?? context.database, schema!, (accountability as Accountability | null) ?? null),
	);
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

	// Every write of inbound endpoint config, whichever API it comes through; its storage collection
	// follows before the write is answered (see endpoint-changes).
	// Reads go through the write's own transaction: SQLite has a single connection.
	filter(`${ENDPOINTS_COLLECTION}.items.create`, async (payload, _meta, { schema, database, accountability }) => {
		const prepared = await runtime().endpointConfig.prepareCreate(payload, database ?? context.database, schema!, accountability ?? null);
		await runtime().endpointChanges.beforeCreate(prepared, database ?? context.database);
		return prepared;
	});
	filter(`${ENDPOINTS_COLLECTION}.items.update`, async (payload, meta, { database, schema, accountability }) => {
		const prepared = await runtime().endpointConfig.prepareUpdate(payload, meta.keys ?? [], database ?? context.database, schema!, accountability ?? null);
		await runtime().endpointChanges.beforeUpdate(prepared, meta.keys ?? [], database ?? context.database);
		return prepared;
	});
	filter(`${ENDPOINTS_COLLECTION}.items.read`, (items) => (Array.isArray(items) ? items.map((item) => withUrl(item, runtime().settings.publicUrl)) : items));
	action(`${ENDPOINTS_COLLECTION}.items.create`, () => runtime().endpointChanges.changed());
	action(`${ENDPOINTS_COLLECTION}.items.update`, () => runtime().endpointChanges.changed());
	filter(`${ENDPOINTS_COLLECTION}.items.delete`, async (keys, _meta, { database }) => {
		await runtime().endpointChanges.beforeDelete(keys as (string | number)[], database ?? context.database);
		return keys;
	});
	action(`${ENDPOINTS_COLLECTION}.items.delete`, ({ keys }) => runtime().endpointChanges.deleted(keys as (string | number)[]));

	// Retention of the delivery log.
	schedule('17 * * * *', async () => {
		const { store, settings } = runtime();
		const removed = await store.purgeFinished(Date.now() - settings.retentionMs);
		if (removed > 0) context.logger.info(`[webhooks] removed ${removed} finished deliveries past retention`);
	});
});
