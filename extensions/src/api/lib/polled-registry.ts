// Base of the in-memory config views (outgoing webhooks, inbound endpoints): reloaded at once
// after local changes and, for changes made by other instances, when a cheap change signature
// read from the database moves.
import type { Logger } from './logger';

export abstract class PolledRegistry {
	private readonly label: string;
	protected readonly logger: Pick<Logger, 'warn'>;
	private signature = '';
	private timer: NodeJS.Timeout | null = null;
	private loading: Promise<void> | null = null;
	private queued: Promise<void> | null = null;

	protected constructor(label: string, logger: Pick<Logger, 'warn'>) {
		this.label = label;
		this.logger = logger;
	}

	/** A short text that changes whenever the stored config does. */
	protected abstract readSignature(): Promise<string>;
	/** Reads the whole config and swaps it in. */
	protected abstract load(): Promise<void>;

	/**
	 * Reloads everything. A call during a load queues one more load (that load may have read
	 * before the caller's change); callers meanwhile share it, so bursts cost two loads, not n.
	 */
	reload(): Promise<void> {
		if (this.queued) return this.queued;
		if (!this.loading) {
			this.loading = this.loadWithSignature().finally(() => (this.loading = null));
			return this.loading;
		}
		this.queued = this.loading
			.catch(() => undefined)
			.then(() => {
				this.queued = null;
				return this.reload();
			});
		return this.queued;
	}

	/**
	 * The reload under way, if any. A local change starts one before its write is answered (the
	 * action hooks run first): readers that must see that change wait for it.
	 */
	reloading(): Promise<void> | null {
		const pending = this.queued ?? this.loading;
		return pending ? pending.catch(() => undefined) : null;
	}

	/** Polls the change signature so edits on other instances apply within `intervalMs` or so. */
	startPolling(intervalMs: number): void {
		this.stopPolling();
		this.timer = setInterval(() => {
			this.reloadIfChanged().catch((error) => this.logger.warn(error, `[webhooks] could not refresh ${this.label}`));
		}, intervalMs);
		this.timer.unref();
	}

	stopPolling(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
	}

	async reloadIfChanged(): Promise<void> {
		if ((await this.readSignature()) !== this.signature) await this.reload();
	}

	private async loadWithSignature(): Promise<void> {
		// Read first: a change landing during the load then shows as a new signature next poll.
		const signature = await this.readSignature();
		await this.load();
		this.signature = signature;
	}
}

/** Signature parts as text; drivers return dates, bigints and numbers differently. */
export function signatureOf(values: unknown[]): string {
	return JSON.stringify(values.map((value) => (value instanceof Date ? String(value.getTime()) : String(value))));
}
