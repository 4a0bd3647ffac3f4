// Sends webhook requests from a worker thread. On the main thread every delivery's HTTP work
// (writing the request, parsing the response, its socket events) lands between the steps of item
// writes, and each such step is a round trip to the database: the writes slow down even while
// the CPU has room. Here the main thread only posts one message per batch of requests and gets
// one back per batch of results.
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { HttpSender, type SendRequest, type SendResult, type Sender } from './http-sender';
import { SsrfGuard, type GuardLists } from './ssrf-guard';
import type { Logger } from '../../lib/logger';

export const THREAD_ERROR_CODE = 'ETHREAD';
// workerData key that makes this bundle, loaded in a worker, serve sends instead of doing nothing.
const WORKER_MARK = 'directus-extension-webhooks:send-thread';

export interface SendThreadInit {
	guard: GuardLists;
	maxSockets?: number;
}

type WireRequest = Omit<SendRequest, 'url'> & { url: string };
interface SendMessage {
	id: number;
	request: WireRequest;
}
interface ResultMessage {
	id: number;
	result: SendResult;
}
type FromThread = { ready: true } | ResultMessage[];

type Port = Pick<MessagePort, 'on' | 'postMessage'>;

/**
 * The worker side: sends what arrives on `port` and answers with the results, gathered per
 * event-loop turn. Never rejects a send: every outcome is a SendResult.
 */
export function serveSends(port: Port, sender: Pick<Sender, 'send'>): void {
	let results: ResultMessage[] = [];
	const answer = (id: number, result: SendResult) => {
		results.push({ id, result });
		if (results.length > 1) return;
		setImmediate(() => {
			port.postMessage(results);
			results = [];
		});
	};
	port.on('message', (batch: SendMessage[]) => {
		for (const { id, request } of batch) {
			sender.send(request).then(
				(result) => answer(id, result),
				(error: unknown) => answer(id, failure(describe(error), 'EREQUEST')),
			);
		}
	});
	port.postMessage({ ready: true } satisfies FromThread);
}

/**
 * The main side: a Sender whose requests go to a worker thread running this same file. If the
 * thread cannot start at all, it sends in-process instead (and says so once); if a running
 * thread dies, the sends it held fail (the dispatcher retries them) and the next send starts a
 * new one.
 */
export class SendThread implements Sender {
	private readonly init: SendThreadInit;
	private readonly guard: SsrfGuard;
	private readonly entry: string | URL;
	private readonly logger: Pick<Logger, 'warn'>;
	private worker: Worker | null = null;
	private ready = false;
	private fallback: HttpSender | null = null;
	private closed = false;
	private nextId = 1;
	private readonly pending = new Map<number, { request: WireRequest; resolve: (result: SendResult) => void }>();
	private outgoing: SendMessage[] = [];

	/** `entry` is the file the worker runs: by default the one this code was loaded from. */
	constructor(init: SendThreadInit, logger: Pick<Logger, 'warn'>, entry: string | URL = fileURLToPath(import.meta.url)) {
		this.init = init;
		// Bad list entries fail here, at start-up, not later inside the thread.
		this.guard = new SsrfGuard(init.guard);
		this.logger = logger;
		this.entry = entry;
	}

	send(request: SendRequest): Promise<SendResult> {
		if (this.closed) return Promise.resolve(failure('the sender is closed', THREAD_ERROR_CODE));
		const wire: WireRequest = { ...request, url: String(request.url) };
		if (this.fallback) return this.fallback.send(wire);
		return new Promise((resolve) => {
			const id = this.nextId++;
			this.pending.set(id, { request: wire, resolve });
			this.outgoing.push({ id, request: wire });
			// One message for everything the dispatcher starts in this turn.
			if (this.outgoing.length === 1) setImmediate(() => this.flush());
		});
	}

	close(): void {
		this.closed = true;
		this.fallback?.close();
		const worker = this.worker;
		this.worker = null;
		this.outgoing = [];
		this.failPending('the sender is closed');
		// terminate() ends the thread's sockets with it.
		void worker?.terminate();
	}

	private flush(): void {
		const batch = this.outgoing;
		this.outgoing = [];
		if (batch.length === 0) return;
		const worker = this.fallback ? null : this.start();
		if (worker) worker.postMessage(batch);
		else for (const { id } of batch) this.sendInProcess(id);
	}

	private start(): Worker | null {
		if (this.worker) return this.worker;
		let worker: Worker;
		try {
			worker = new Worker(this.entry, { workerData: { [WORKER_MARK]: this.init } });
		} catch (error) {
			this.useMainThread(describe(error));
			return null;
		}
		// The thread must not keep a stopping process alive.
		worker.unref();
		worker.on('message', (message: FromThread) => {
			if (!Array.isArray(message)) {
				this.ready = true;
				return;
			}
			for (const { id, result } of message) {
				const entry = this.pending.get(id);
				this.pending.delete(id);
				entry?.resolve(result);
			}
		});
		worker.on('error', (error: unknown) => this.lost(worker, describe(error)));
		worker.on('exit', (code) => this.lost(worker, `it exited with code ${code}`));
		this.worker = worker;
		this.ready = false;
		return worker;
	}

	private lost(worker: Worker, reason: string): void {
		if (this.worker !== worker) return;
		this.worker = null;
		if (this.closed) return;
		if (!this.ready) {
			// It never started, so nothing it was given went out: send those here, and all after.
			this.useMainThread(reason);
			for (const id of [...this.pending.keys()]) this.sendInProcess(id);
			return;
		}
		this.logger.warn(`[webhooks] the sending thread stopped (${reason}); its ${this.pending.size} sends in flight will be retried`);
		this.failPending(`the sending thread stopped: ${reason}`);
	}

	private useMainThread(reason: string): void {
		this.logger.warn(`[webhooks] the sending thread could not start (${reason}); sending on the main thread instead`);
		this.fallback = new HttpSender({ guard: this.guard, maxSockets: this.init.maxSockets });
	}

	private sendInProcess(id: number): void {
		const entry = this.pending.get(id);
		if (!entry) return;
		this.pending.delete(id);
		void this.fallback!.send(entry.request).then(entry.resolve, (error: unknown) => entry.resolve(failure(describe(error), 'EREQUEST')));
	}

	private failPending(reason: string): void {
		const entries = [...this.pending.values()];
		this.pending.clear();
		for (const { resolve } of entries) resolve(failure(reason, THREAD_ERROR_CODE));
	}
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

function failure(error: string, errorCode: string): SendResult {
	return { status: null, headers: {}, body: '', durationMs: 0, error, errorCode };
}

// Loaded in a thread started by SendThread: serve its sends.
if (!isMainThread && parentPort && workerData?.[WORKER_MARK]) {
	const init = workerData[WORKER_MARK] as SendThreadInit;
	serveSends(parentPort, new HttpSender({ guard: new SsrfGuard(init.guard), maxSockets: init.maxSockets }));
}
