// What an item write sent (its payload and who wrote), kept from the write's item filter for the
// activity record Directus makes inside the write's transaction (transaction-capture): the
// activity names only the collection, action, key and user.
//
// A create's filter runs inside its transaction, so it is found by that transaction: a stack per
// collection, as a create's nested creates run between its filter and its activity. Update and
// delete filters run before the transaction opens: found by collection, key and user, newest first
// (a write refused after its filter leaves an entry that a later write of the same item passes).
// Only writes whose item filter ran are captured there: a write made with emitEvents off has none.
import type { WebhookAction } from '../../../shared/webhook';
import type { ItemEvent } from './event-capture';

export type PendingWrite = Omit<ItemEvent, 'keys'>;

const TTL_MS = 60_000;

export class WritePayloads {
	private readonly creates = new WeakMap<object, Map<string, PendingWrite[]>>();
	private readonly changes = new Map<string, { write: PendingWrite; expires: number }[]>();
	private swept = 0;

	/** An item filter of a create, with its transaction. */
	noteCreate(trx: object, write: PendingWrite): void {
		let byCollection = this.creates.get(trx);
		if (!byCollection) this.creates.set(trx, (byCollection = new Map()));
		const stack = byCollection.get(write.collection);
		if (stack) stack.push(write);
		else byCollection.set(write.collection, [write]);
	}

	/** An item filter of an update or delete, with the keys it names. */
	noteChange(write: PendingWrite, keys: (string | number)[]): void {
		const now = Date.now();
		this.sweep(now);
		const entry = { write, expires: now + TTL_MS };
		for (const key of keys) {
			const id = changeId(write.collection, write.action, key, write.accountability?.user);
			const list = this.changes.get(id);
			if (list) list.push(entry);
			else this.changes.set(id, [entry]);
		}
	}

	/** The write an activity record belongs to, removed from here; none when its item filter did not run. */
	take(trx: object, collection: string, action: WebhookAction, key: string | number, user: string | null | undefined): PendingWrite | undefined {
		if (action === 'create') return this.creates.get(trx)?.get(collection)?.pop();
		const id = changeId(collection, action, key, user);
		const list = this.changes.get(id);
		const entry = list?.pop();
		if (list?.length === 0) this.changes.delete(id);
		return entry && entry.expires >= Date.now() ? entry.write : undefined;
	}

	private sweep(now: number): void {
		// At most once a second: a bulk write notes thousands of keys in one go.
		if (now - this.swept < 1000 || this.changes.size === 0) return;
		this.swept = now;
		for (const [id, list] of this.changes) {
			const live = list.filter((entry) => entry.expires >= now);
			if (live.length === 0) this.changes.delete(id);
			else if (live.length < list.length) this.changes.set(id, live);
		}
	}
}

function changeId(collection: string, action: WebhookAction, key: string | number, user: string | null | undefined): string {
	return `${collection}\u0000${action}\u0000${String(key)}\u0000${user ?? ''}`;
}
