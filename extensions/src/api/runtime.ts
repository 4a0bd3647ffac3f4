// Builds the extension's long-lived parts once per process, shared by the hook and the
// endpoint (they live in one bundle). Nothing here runs at import time.
import type { ExtensionContext } from './context';
import { ENDPOINTS_COLLECTION, OUTGOING_COLLECTION } from '../shared/collections';
import { AdminNotifier } from './admin-notifier';
import { BodyBudget } from './inbound/body-budget';
import { EndpointConfig } from './inbound/endpoint-config';
import { EndpointRegistry } from './inbound/endpoint-registry';
import { InboundHandler } from './inbound/inbound-handler';
import { RateLimiter } from './inbound/rate-limiter';
import { RequestRecorder } from './inbound/request-recorder';
import { DeliveryStore } from './outbound/delivery-store';
import { Dispatcher } from './outbound/dispatcher';
import { EventCapture } from './outbound/event-capture';
import type { Sender } from './outbound/http-sender';
import { MessageBuilder } from './outbound/message-builder';
import { Outbox } from './outbound/outbox';
import { PreviousValues } from './outbound/previous-values';
import { PriorAccess } from './outbound/prior-access';
import { BeforeWrite } from './outbound/before-write';
import { OwnerAccountability } from './outbound/owner-accountability';
import { OwnerScope } from './outbound/owner-scope';
import { DelegateCheck } from './outbound/delegate-check';
import { SendThread } from './outbound/send-thread';
import { SsrfGuard } from './outbound/ssrf-guard';
import { WebhookConfig } from './outbound/webhook-config';
import { WebhookHealthTracker } from './outbound/webhook-health';
import { WebhookRegistry } from './outbound/webhook-registry';
import { SchemaChangeGate } from './schema/schema-change-gate';
import { SecretBox, encryptionKeyFromEnv } from './secret-box';
import { readSettings, type Settings } from './settings';

export interface Runtime {
	settings: Settings;
	registry: WebhookRegistry;
	store: DeliveryStore;
	outbox: Outbox;
	capture: EventCapture;
	beforeWrite: BeforeWrite;
	config: WebhookConfig;
	dispatcher: Dispatcher;
	sender: Sender;
	endpoints: EndpointRegistry;
	endpointConfig: EndpointConfig;
	inbound: InboundHandler;
	recorder: RequestRecorder;
	schemaGate: SchemaChangeGate;
	/** Writes what is buffered and stops the worker; deliveries still in flight then are retried later. */
	shutdown(): Promise<void>;
}

// How long shutdown waits for sends in flight before leaving them to lease expiry.
const SHUTDOWN_GRACE_MS = 5_000;

let runtime: Runtime | null = null;

export function useRuntime(context: ExtensionContext): Runtime {
	runtime ??= createRuntime(context);
	return runtime;
}

function createRuntime(context: ExtensionContext): Runtime {
	const { database: knex, logger, env } = context;
	const settings = readSettings(env);
	const box = new SecretBox(encryptionKeyFromEnv(env));
	const registry = new WebhookRegistry(knex, box, logger);
	const store = new DeliveryStore(knex);
	// Deliveries and the reads before writes share the owners' cache.
	const scope = new OwnerScope(context, new OwnerAccountability(knex));
	const sender = new SendThread({ guard: SsrfGuard.listsFromEnv(env), maxSockets: settings.concurrency }, logger);
	const health = new WebhookHealthTracker({
		knex,
		registry,
		store,
		notifier: new AdminNotifier(context),
		disableAfterMs: settings.disableAfterMs,
		logger,
	});
	const dispatcher = new Dispatcher({
		store,
		registry,
		builder: new MessageBuilder(context, scope),
		sender,
		health,
		logger,
		options: {
			concurrency: settings.concurrency,
			perWebhook: settings.perWebhook,
			timeoutMs: settings.timeoutMs,
			pollMs: settings.pollMs,
			schedule: settings.retrySchedule,
			maxResponseBytes: settings.maxResponseBytes,
		},
	});
	const outbox = new Outbox(store, logger, dispatcher);
	const previous = new PreviousValues();
	const access = new PriorAccess(scope);
	const endpoints = new EndpointRegistry(knex, box, logger);
	const recorder = new RequestRecorder(context);
	return {
		settings,
		registry,
		store,
		outbox,
		beforeWrite: new BeforeWrite(context, registry, previous, access),
		capture: new EventCapture(registry, outbox, previous, access),
		config: new WebhookConfig(box, settings.secretOverlapMs, new DelegateCheck(context.services), {
			collection: OUTGOING_COLLECTION,
			limit: settings.maxWebhooksPerUser,
			setting: 'WEBHOOKS_MAX_PER_USER',
			what: 'webhooks',
		}),
		dispatcher,
		sender,
		endpoints,
		endpointConfig: new EndpointConfig(box, settings.secretOverlapMs, {
			collection: ENDPOINTS_COLLECTION,
			limit: settings.maxEndpointsPerUser,
			setting: 'WEBHOOKS_MAX_ENDPOINTS_PER_USER',
			what: 'incoming endpoints',
		}),
		recorder,
		schemaGate: new SchemaChangeGate(),
		inbound: new InboundHandler({
			registry: endpoints,
			recorder,
			limiter: new RateLimiter(),
			budget: new BodyBudget(settings.inboundMaxBytesInFlight),
			bodyTimeoutMs: settings.inboundBodyTimeoutMs,
			publicUrl: settings.publicUrl,
			logger,
		}),
		async shutdown() {
			registry.stopPolling();
			endpoints.stopPolling();
			await outbox.close();
			await Promise.race([dispatcher.stop(), new Promise((done) => setTimeout(done, SHUTDOWN_GRACE_MS).unref())]);
			sender.close();
		},
	};
}
