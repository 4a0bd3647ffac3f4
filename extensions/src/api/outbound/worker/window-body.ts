// The body of a debounced delivery: `{ event: "webhook.batch", count, events: [{ event, collection,
// keys }] }`. Without a filter or a non-admin owner it is the window as recorded. Otherwise each
// key is checked when sent, as single deliveries are: created and updated items must match the
// filter and be readable by every owner now; deleted ones must have been readable by them before
// the delete (prior-access). What fails is left out, from the list and from the count.
import type { Accountability, ExtensionContext } from '../../context';
import type { RegisteredWebhook } from '../config/webhook-registry';
import { READERS_BEFORE, readableBefore } from '../capture/prior-access';
import type { WindowData, WindowEntry } from '../queue/debounce-window';
import { windowBody } from '../../../shared/template-context';
import { SkipDelivery } from './delivery-skip';
import { webhookReaders, type OwnerScope } from './owner-scope';

// Keys per read: well under every driver's bound-parameter limit.
const READ_CHUNK = 500;

export class WindowBody {
	private readonly context: Pick<ExtensionContext, 'getSchema'>;
	private readonly scope: OwnerScope;

	constructor(context: Pick<ExtensionContext, 'getSchema'>, scope: OwnerScope) {
		this.context = context;
		this.scope = scope;
	}

	/** `owners`: the webhook's non-admin owners (none: an admin's webhook). */
	async build(webhook: RegisteredWebhook, window: WindowData, owners: Accountability[]): Promise<Record<string, unknown>> {
		if (owners.length === 0 && webhook.filter === null) return windowBody(window.events, window.count, window.truncated === true);
		const readers = webhookReaders(owners, webhook.itemRole);
		const kept = await this.keptKeys(webhook, window.events, readers, owners.length > 0);
		const events = window.events
			.map((entry, index) => ({ ...entry, keys: entry.keys.filter((key) => kept[index]!.has(String(key))) }))
			.filter((entry) => entry.keys.length > 0);
		const count = events.reduce((sum, entry) => sum + entry.keys.length, 0);
		if (count === 0) throw new SkipDelivery('no event of the window matches the webhook filter and is readable by its owner');
		return windowBody(events, count, window.truncated === true);
	}

	/** Per entry, the keys that pass. */
	private async keptKeys(webhook: RegisteredWebhook, entries: WindowEntry[], readers: Accountability[], scoped: boolean): Promise<Set<string>[]> {
		const schema = await this.context.getSchema();
		// Written items: read once per collection and reader, whatever the number of entries.
		const written = new Map<string, Set<string>>();
		for (const entry of entries) {
			if (entry.action === 'delete') continue;
			const keys = written.get(entry.collection) ?? new Set<string>();
			for (const key of entry.keys) keys.add(String(key));
			written.set(entry.collection, keys);
		}
		const passing = new Map<string, Set<string>>();
		for (const [collection, keys] of written) passing.set(collection, await this.passing(webhook, collection, [...keys], readers, schema));
		return entries.map((entry) => {
			if (entry.action !== 'delete') return passing.get(entry.collection)!;
			if (!scoped) return new Set(entry.keys.map(String));
			const before = entry[READERS_BEFORE] ?? {};
			return new Set(entry.keys.map(String).filter((key) => readableBefore({ [READERS_BEFORE]: before[key] }, readers) === true));
		});
	}

	/** The keys every reader may read that match the filter. */
	private async passing(webhook: RegisteredWebhook, collection: string, keys: string[], readers: Accountability[], schema: Awaited<ReturnType<ExtensionContext['getSchema']>>): Promise<Set<string>> {
		const passing = new Set<string>();
		for (let index = 0; index < keys.length; index += READ_CHUNK) {
			for (const key of await this.scope.keysAllRead(readers, collection, keys.slice(index, index + READ_CHUNK), schema, undefined, webhook.filter)) passing.add(key);
		}
		return passing;
	}
}
