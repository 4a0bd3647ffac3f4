// Captures the events of writes Directus tracks inside the write's own transaction, so an event is
// committed if and only if its item change is: a process killed right after a write answered
// loses nothing. Directus records an activity row for every tracked write (a request with
// accountability, on a collection whose activity tracking is on) inside that transaction, and its
// `activity.create` filter hands us that transaction as `database` (a public hook and context).
// The payload comes from the write's item filter (write-payloads). Other writes (accountability
// null: extensions, system work; collections with tracking off) keep the after-commit path, and
// the action that follows a captured write skips the keys done here. The rows of one transaction
// are written together just before it commits (commit-buffer).
import type { Knex } from 'knex';
import type { SchemaOverview } from '../../context';
import { WEBHOOK_ACTIONS, type WebhookAction } from '../../../shared/webhook';
import type { DeliveryStore, NewDelivery } from '../queue/delivery-store';
import { isWindowEvent } from '../queue/debounce-window';
import type { Outbox } from '../queue/outbox';
import type { Logger } from '../../lib/logger';
import type { WebhookRegistry } from '../config/webhook-registry';
import type { EventCapture } from './event-capture';
import { itemEvent } from './event-handlers';
import { CommitBuffer } from './commit-buffer';
import { NestedGroups } from './nested-groups';
import { WritePayloads, type PendingWrite } from './write-payloads';

const MARK_TTL_MS = 60_000;

interface ActivityRecord {
	action?: unknown;
	collection?: unknown;
	item?: unknown;
	user?: unknown;
}

export class TransactionCapture {
	private readonly registry: WebhookRegistry;
	private readonly capture: EventCapture;
	private readonly payloads = new WritePayloads();
	private readonly nested: NestedGroups;
	private readonly buffer: CommitBuffer;
	/** Keys captured in a transaction, until the action after its commit (or its rollback). */
	private readonly done = new Map<string, number>();

	constructor(registry: WebhookRegistry, capture: EventCapture, store: DeliveryStore, outbox: Outbox, logger: Pick<Logger, 'error'>) {
		this.registry = registry;
		this.capture = capture;
		this.nested = new NestedGroups(registry);
		this.buffer = new CommitBuffer(store, (entries) => outbox.add(entries), logger);
	}

	noteCreate(trx: unknown, write: PendingWrite): void {
		if (isTransaction(trx)) this.payloads.noteCreate(trx, write);
	}

	noteChange(write: PendingWrite, keys: (string | number)[]): void {
		this.payloads.noteChange(write, keys);
	}

	/** The `activity.create` filter: writes the event's outbox entries with the write. */
	async onActivity(activity: ActivityRecord, trx: unknown, schema: SchemaOverview | null): Promise<void> {
		const action = activity.action as WebhookAction;
		const collection = activity.collection;
		if (!WEBHOOK_ACTIONS.includes(action) || typeof collection !== 'string') return;
		if (this.registry.match(collection, action).length === 0 || !isTransaction(trx)) return;
		const key = activity.item;
		if (typeof key !== 'string' && typeof key !== 'number') return;
		const write = this.payloads.take(trx, collection, action, key, typeof activity.user === 'string' ? activity.user : null);
		if (!write) return;
		const entries = this.capture.entries(itemEvent(write, [key], schema));
		if (entries.length > 0) {
			const single = entries.filter((entry): entry is NewDelivery => !isWindowEvent(entry));
			const folded = this.nested.fold(trx, collection, write.payload, schema, single);
			if (folded.length > 0) await this.buffer.remove(trx, folded);
			await this.buffer.add(trx, entries.filter(isWindowEvent), single);
			this.nested.track(trx, single);
		}
		this.mark(trx, markId(collection, action, key));
	}

	/** Of an action's keys, those not captured in its transaction. */
	remaining(collection: string, action: WebhookAction, keys: (string | number)[]): (string | number)[] {
		if (this.done.size === 0) return keys;
		return keys.filter((key) => !this.done.delete(markId(collection, action, key)));
	}

	private mark(trx: Knex.Transaction, id: string): void {
		const now = Date.now();
		if (this.done.size > 10_000) for (const [mark, expires] of this.done) if (expires < now) this.done.delete(mark);
		this.done.set(id, now + MARK_TTL_MS);
		// Rolled back: no action follows, and a later write of the item must not be taken as done.
		trx.executionPromise?.catch(() => this.done.delete(id));
	}
}

function isTransaction(database: unknown): database is Knex.Transaction {
	return typeof database === 'function' && (database as Knex).isTransaction === true;
}

function markId(collection: string, action: WebhookAction, key: string | number): string {
	return `${collection}\u0000${action}\u0000${String(key)}`;
}
