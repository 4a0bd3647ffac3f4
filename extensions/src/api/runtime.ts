// Builds the extension's long-lived parts once per process, shared by the hook and the
// endpoint (they live in one bundle). Nothing here runs at import time.
import type { ExtensionContext } from './context';
import { ENDPOINTS_COLLECTION, OUTGOING_COLLECTION } from '../shared/collections';
import { AdminNotifier } from './lib/admin-notifier';
import { BodyBudget } from './inbound/http/body-budget';
import { EndpointChanges } from './inbound/config/endpoint-changes';
import { EndpointConfig } from './inbound/config/endpoint-config';
import { EndpointRegistry } from './inbound/config/endpoint-registry';
import { InboundHandler } from './inbound/http/inbound-handler';
import { RateLimiter } from './inbound/http/rate-limiter';
import { RequestRecorder } from './inbound/storage/request-recorder';
import { BlockingFlows } from './inbound/storage/blocking-flows';
import { RefusedLog } from './inbound/refusals/refused-log';
import { DeliveryStore } from './outbound/queue/delivery-store';
import { DeliveryRecovery } from './outbound/queue/delivery-recovery';
import { ThrottleStore } from './outbound/queue/throttle-store';
import { Throttle } from './outbound/worker/throttle';
import { Dispatcher } from './outbound/worker/dispatcher';
import { EventCapture } from './outbound/capture/event-capture';
import { TransactionCapture } from './outbound/capture/transaction-capture';
import type { Sender } from './outbound/transport/http-sender';
import { MessageBuilder } from './outbound/worker/message-builder';
import { Outbox } from './outbound/queue/outbox';
import { PreviousValues } from './outbound/capture/previous-values';
import { PriorAccess } from './outbound/capture/prior-access';
import { Promotions } from './outbound/capture/promotions';
import { PreviousMatch } from './outbound/capture/previous-match';
import { BeforeWrite } from './outbound/capture/before-write';
import { OwnerAccountability } from './outbound/worker/owner-accountability';
import { OwnerScope } from './outbound/worker/owner-scope';
import { DelegateCheck } from './outbound/config/delegate-check';
import { SendThread } from './outbound/transport/send-thread';
import { SsrfGuard } from './outbound/transport/ssrf-guard';
import { JwksSource } from './inbound/http/jwks-source';
import { WebhookConfig } from './outbound/config/webhook-config';
import { WebhookHealthTracker } from './outbound/worker/webhook-health';
import { WebhookAlerts } from './outbound/worker/webhook-alerts';
import { WebhookRegistry } from './outbound/config/webhook-registry';
import { SecretBox, encryptionKeyFromEnv } from './lib/secret-box';
import { readSettings, type Settings } from './lib/settings';
import { Metrics } from './metrics/metrics';

export interface Runtime {
	settings: Settings;
	registry: WebhookRegistry;
	store: DeliveryStore;
	recovery: DeliveryRecovery;
	outbox: Outbox;
	capture: EventCapture;
	transactionCapture: TransactionCapture;
	beforeWrite: BeforeWrite;
	promotions: Promotions;
	config: WebhookConfig;
	dispatcher: Dispatcher;
	sender: Sender;
	endpoints: EndpointRegistry;
	endpointConfig: EndpointConfig;
	endpointChanges: EndpointChanges;
	inbound: InboundHandler;
	recorder: RequestRecorder;
	refusals: RefusedLog;
	/** Prometheus metrics: this instance's counters, the database's queue. */
	metrics: Metrics;
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
	const metrics = new Metrics(knex, store);
	// Deliveries and the reads before writes share the owners' cache.
	const scope = new OwnerScope(context, new OwnerAccountability(knex));
	const sender = new SendThread({ guard: SsrfGuard.listsFromEnv(env), maxSockets: settings.concurrency }, logger);
	// Wakes the dispatcher declared below: called only once rows are written.
	const outbox = new Outbox(store, logger, () => dispatcher.wake());
	const health = new WebhookHealthTracker({
		knex,
		registry,
		store,
		alerts: new WebhookAlerts({ registry, outbox, notifier: new AdminNotifier(context), logger }),
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
		metrics,
		throttle: new Throttle(new ThrottleStore(knex)),
		options: {
			concurrency: settings.concurrency,
			perWebhook: settings.perWebhook,
			timeoutMs: settings.timeoutMs,
			pollMs: settings.pollMs,
			schedule: settings.retrySchedule,
			maxResponseBytes: settings.maxResponseBytes,
		},
	});
	const previous = new PreviousValues();
	const access = new PriorAccess(scope);
	const promotions = new Promotions();
	const matches = new PreviousMatch(scope);
	const endpoints = new EndpointRegistry(knex, box, logger);
	const recorder = new RequestRecorder(context, new BlockingFlows(knex, logger));
	const refusals = new RefusedLog(knex, logger, settings.refusedLogSize);
	const delegates = new DelegateCheck(context.services);
	const capture = new EventCapture(registry, outbox, previous, access, promotions, matches);
	return {
		settings,
		registry,
		store,
		recovery: new DeliveryRecovery(knex),
		outbox,
		beforeWrite: new BeforeWrite(context, registry, previous, access, matches),
		promotions,
		capture,
		transactionCapture: new TransactionCapture(registry, capture, store, outbox, logger),
		config: new WebhookConfig(box, settings.secretOverlapMs, delegates, {
			collection: OUTGOING_COLLECTION,
			limit: settings.maxWebhooksPerUser,
			setting: 'WEBHOOKS_MAX_PER_USER',
			what: 'webhooks',
		}),
		dispatcher,
		sender,
		endpoints,
		endpointConfig: new EndpointConfig(box, settings.secretOverlapMs, delegates, {
			collection: ENDPOINTS_COLLECTION,
			limit: settings.maxEndpointsPerUser,
			setting: 'WEBHOOKS_MAX_ENDPOINTS_PER_USER',
			what: 'incoming endpoints',
		}),
		recorder,
		refusals,
		metrics,
		endpointChanges: new EndpointChanges(context, endpoints),
		inbound: new InboundHandler({
			registry: endpoints,
			recorder,
			limiter: new RateLimiter(),
			budget: new BodyBudget(settings.inboundMaxBytesInFlight),
			bodyTimeoutMs: settings.inboundBodyTimeoutMs,
			publicUrl: settings.publicUrl,
			logger,
			metrics,
			verifierServices: { jwks: new JwksSource(SsrfGuard.fromEnv(env), logger) },
			refusals,
		}),
		async shutdown() {
			registry.stopPolling();
			endpoints.stopPolling();
			await Promise.all([outbox.close(), refusals.flush()]);
			await Promise.race([dispatcher.stop(), new Promise((done) => setTimeout(done, SHUTDOWN_GRACE_MS).unref())]);
			sender.close();
		},
	};
}
