import { describe, expect, it } from 'vitest';
import type { Accountability, SchemaOverview } from '../../extensions/src/api/context';
import type { RegisteredWebhook } from '../../extensions/src/api/outbound/config/webhook-registry';
import { EventCapture } from '../../extensions/src/api/outbound/capture/event-capture';
import { PreviousMatch } from '../../extensions/src/api/outbound/capture/previous-match';
import { Promotions } from '../../extensions/src/api/outbound/capture/promotions';
import { PreviousValues } from '../../extensions/src/api/outbound/capture/previous-values';
import { PriorAccess } from '../../extensions/src/api/outbound/capture/prior-access';
import type { OutboxEntry } from '../../extensions/src/api/outbound/queue/outbox';
import { OwnerScope } from '../../extensions/src/api/outbound/worker/owner-scope';
import type { Owner, OwnerAccountability } from '../../extensions/src/api/outbound/worker/owner-accountability';

// The items as they are before the write; `secret` stands for a field a non-admin may not read.
const rows = [
	{ id: 1, status: 'draft', secret: 'a' },
	{ id: 2, status: 'published', secret: 'a' },
	{ id: 3, status: 'draft', secret: 'b' },
	{ id: 4, status: 'archived', secret: 'a' },
];

/** Every read made, as who and with which filter. */
let reads: { reader: string; filter: unknown }[] = [];

/** Reads `rows` with `{ _and: [{ id: { _in } }, { field: { _eq } }] }`; non-admins may not filter on `secret`. */
class ItemsService {
	private readonly accountability: Accountability;
	constructor(_collection: string, options: { accountability: Accountability }) {
		this.accountability = options.accountability;
	}
	async readByQuery(query: { filter: { _and?: [{ id: { _in: string[] } }, Record<string, { _eq: unknown }>] } }): Promise<Record<string, unknown>[]> {
		const [byKeys, rules] = query.filter._and!;
		reads.push({ reader: this.accountability.user ?? `role:${String(this.accountability.role)}`, filter: rules });
		if (!this.accountability.admin && 'secret' in rules) throw new Error('forbidden field');
		return rows.filter((row) => byKeys.id._in.includes(String(row.id)) && Object.entries(rules).every(([field, rule]) => row[field as keyof typeof row] === rule._eq));
	}
}

const owners: Record<string, Owner> = {
	admin: { kind: 'admin' },
	alice: { kind: 'user', accountability: { user: 'alice', role: 'editors', roles: ['editors'], admin: false, app: true, ip: null } },
	gone: { kind: 'gone', reason: 'gone' },
};
const scope = new OwnerScope({ services: { ItemsService }, database: null } as never, { get: async (id: string) => owners[id]! } as unknown as OwnerAccountability);
const schema = { collections: { posts: { primary: 'id', fields: {} } }, relations: [] } as unknown as SchemaOverview;
const write = { knex: null as never, schema, accountability: null };
const ALL_KEYS = rows.map((row) => row.id);

function webhook(id: number, overrides: Partial<RegisteredWebhook> = {}): RegisteredWebhook {
	return {
		id, name: `w${id}`, method: 'POST', url: 'https://example.com', active: true, data: true, actions: ['create', 'update', 'delete'], collections: ['posts'],
		headers: [], filter: { status: { _eq: 'published' } }, previousFilter: { status: { _eq: 'draft' } }, watchFields: [], fields: [], payload: 'event',
		itemRole: null, includePrevious: false, groupNested: false, recordWhileInactive: true, bodyTemplate: null, contentType: 'application/json', debounceSeconds: 0, debounceMaxSeconds: 0, secrets: [],
		failingSince: null, owners: ['admin'], rateLimitPerSecond: null, ordered: false, ...overrides,
	};
}

/** Reads before the write, then which keys each webhook fires for on the update. */
async function firedKeys(webhooks: RegisteredWebhook[], keys: number[] = ALL_KEYS): Promise<Record<number, (string | number)[]>> {
	const matches = new PreviousMatch(scope);
	await matches.remember(write, 'posts', keys, webhooks);
	const transitions = matches.take('posts', 'update', keys);
	return Object.fromEntries(webhooks.map((hook) => [hook.id, transitions.keys(hook, keys)]));
}

describe('PreviousMatch: which updated items matched previous_filter before the write', () => {
	it('keeps only the items that matched previous_filter, with one read for a batch of many keys', async () => {
		reads = [];
		expect(await firedKeys([webhook(1)])).toEqual({ 1: [1, 3] });
		expect(reads).toHaveLength(1);
	});

	it('reads once per filter and readers, however many webhooks share them', async () => {
		reads = [];
		const published = { status: { _eq: 'published' } };
		const fired = await firedKeys([webhook(1), webhook(2), webhook(3, { previousFilter: published }), webhook(4, { owners: ['alice'] }), webhook(5, { owners: ['alice'] })]);
		expect(fired).toEqual({ 1: [1, 3], 2: [1, 3], 3: [2], 4: [1, 3], 5: [1, 3] });
		expect(reads).toEqual([
			{ reader: 'role:null', filter: { status: { _eq: 'draft' } } },
			{ reader: 'role:null', filter: published },
			{ reader: 'alice', filter: { status: { _eq: 'draft' } } },
		]);
	});

	it('reads as the non-admin owners and item_role: an item must match for every one of them', async () => {
		reads = [];
		await firedKeys([webhook(1, { owners: ['alice'], itemRole: 'reviewers' })]);
		expect(reads.map((read) => read.reader)).toEqual(['alice', 'role:reviewers']);
		reads = [];
		await firedKeys([webhook(2, { itemRole: 'reviewers' })]);
		expect(reads.map((read) => read.reader)).toEqual(['role:reviewers']);
	});

	it('matches nothing when a non-admin owner may not read a field previous_filter names, whatever its value', async () => {
		const fired = await firedKeys([webhook(1, { owners: ['alice'], previousFilter: { secret: { _eq: 'a' } } }), webhook(2, { previousFilter: { secret: { _eq: 'a' } } })]);
		expect(fired).toEqual({ 1: [], 2: [1, 2, 4] });
	});

	it('matches nothing for a webhook whose owner is gone', async () => {
		expect(await firedKeys([webhook(1, { owners: ['gone'] })])).toEqual({ 1: [] });
	});

	it('an update not read before the write fires no transition, and an earlier write that failed leaves no match behind', async () => {
		const matches = new PreviousMatch(scope);
		const hook = webhook(1);
		expect(matches.take('posts', 'update', [1]).keys(hook, [1])).toEqual([]);
		// A write of item 1 read it as matching, then failed (no action took it); the next write of it was not read.
		await matches.remember(write, 'posts', [1], [hook]);
		matches.forget('posts', [1]);
		expect(matches.take('posts', 'update', [1]).keys(hook, [1])).toEqual([]);
		// Read again, now no longer a draft: the earlier match is overwritten.
		await matches.remember(write, 'posts', [1], [hook]);
		rows[0]!.status = 'published';
		try {
			await matches.remember(write, 'posts', [1], [hook]);
		} finally {
			rows[0]!.status = 'draft';
		}
		expect(matches.take('posts', 'update', [1]).keys(hook, [1])).toEqual([]);
	});

	it('lets creates and deletes, and webhooks without previous_filter, fire for every item', async () => {
		const matches = new PreviousMatch(scope);
		const hook = webhook(1);
		expect(matches.take('posts', 'create', [9]).keys(hook, [9])).toEqual([9]);
		expect(matches.take('posts', 'delete', [1, 2]).keys(hook, [1, 2])).toEqual([1, 2]);
		expect(matches.take('posts', 'update', [1, 2]).keys(webhook(2, { previousFilter: null }), [1, 2])).toEqual([1, 2]);
	});
});

describe('EventCapture with transitions', () => {
	function capture(webhooks: RegisteredWebhook[]) {
		const added: OutboxEntry[] = [];
		const matches = new PreviousMatch(scope);
		const events = new EventCapture({ match: () => webhooks } as never, { add: (entries: OutboxEntry[]) => added.push(...entries) } as never, new PreviousValues(), new PriorAccess(scope), new Promotions(), matches);
		return { added, matches, events };
	}

	it('a batch update delivers only the items that transitioned; a debounced webhook lists only those keys', async () => {
		const single = webhook(1);
		const debounced = webhook(2, { debounceSeconds: 5, debounceMaxSeconds: 50 });
		const plain = webhook(3, { previousFilter: null });
		const { added, matches, events } = capture([single, debounced, plain]);
		await matches.remember(write, 'posts', ALL_KEYS, [single, debounced, plain]);
		events.capture({ action: 'update', collection: 'posts', keys: ALL_KEYS, payload: { status: 'published' }, accountability: null });
		const deliveries = added.filter((entry) => 'item_key' in entry) as { webhook: number; item_key: string }[];
		expect(deliveries.filter((entry) => entry.webhook === 1).map((entry) => entry.item_key)).toEqual(['1', '3']);
		expect(deliveries.filter((entry) => entry.webhook === 3).map((entry) => entry.item_key)).toEqual(['1', '2', '3', '4']);
		const window = added.find((entry) => 'entry' in entry) as unknown as { webhook: number; entry: { keys: number[] } };
		expect(window).toMatchObject({ webhook: 2, entry: { keys: [1, 3] } });
	});

	it('a create fires a transition webhook as if it had no previous_filter', () => {
		const { added, events } = capture([webhook(1)]);
		events.capture({ action: 'create', collection: 'posts', keys: [9], payload: { status: 'published' }, accountability: null });
		expect(added).toHaveLength(1);
	});
});
