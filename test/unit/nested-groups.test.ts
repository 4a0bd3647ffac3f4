import { describe, expect, it } from 'vitest';
import { NestedGroups } from '../../extensions/src/api/outbound/capture/nested-groups';
import type { WebhookRegistry } from '../../extensions/src/api/outbound/config/webhook-registry';
import type { NewDelivery } from '../../extensions/src/api/outbound/queue/delivery-store';
import type { SchemaOverview } from '../../extensions/src/api/context';

// books 1-n chapters (chapters.book), chapters n-1 authors (chapters.author); shelves unrelated.
const schema = {
	collections: {},
	relations: [
		{ collection: 'chapters', field: 'book', related_collection: 'books', meta: { one_field: 'chapters' } },
		{ collection: 'chapters', field: 'author', related_collection: 'authors', meta: null },
	],
} as unknown as SchemaOverview;

const registry = { get: (id: number) => ({ groupNested: id !== 9 }) } as unknown as WebhookRegistry;

let next = 0;
function delivery(webhook: number, collection: string, action: string, key: number, extra: Record<string, unknown> = {}): NewDelivery {
	return { webhook, message_id: `m${++next}`, event: `${collection}.items.${action}`, collection, item_key: String(key), event_data: { action, ...(action === 'create' ? { key } : { keys: [key] }), ...extra } };
}

describe('NestedGroups', () => {
	it('folds the children written before the parent into its delivery and names them for removal', () => {
		const groups = new NestedGroups(registry);
		const trx = {};
		const children = [delivery(1, 'chapters', 'create', 10), delivery(1, 'chapters', 'create', 11), delivery(1, 'authors', 'create', 5), delivery(1, 'shelves', 'create', 3)];
		groups.track(trx, children);
		const parent = delivery(1, 'books', 'update', 7);
		const removed = groups.fold(trx, 'books', { chapters: { create: [{}, {}], update: [], delete: [] } }, schema, [parent]);
		expect(removed.sort()).toEqual([children[0]!, children[1]!, children[2]!].map((child) => child.message_id).sort());
		// An unrelated collection written in the same transaction stays its own delivery.
		expect(parent.event_data.nested).toEqual([
			{ collection: 'chapters', action: 'create', keys: [10, 11] },
			{ collection: 'authors', action: 'create', keys: [5] },
		]);
	});

	it('folds nothing for a parent whose payload wrote no relation, for another transaction, or for a webhook without the option', () => {
		const groups = new NestedGroups(registry);
		const trx = {};
		groups.track(trx, [delivery(1, 'chapters', 'create', 10), delivery(9, 'chapters', 'create', 10)]);
		expect(groups.fold(trx, 'books', { title: 'x' }, schema, [delivery(1, 'books', 'update', 7)])).toEqual([]);
		expect(groups.fold({}, 'books', { chapters: [10] }, schema, [delivery(1, 'books', 'update', 7)])).toEqual([]);
		const other = delivery(9, 'books', 'update', 7);
		expect(groups.fold(trx, 'books', { chapters: [10] }, schema, [other])).toEqual([]);
		expect(other.event_data.nested).toBeUndefined();
	});

	it('keeps who could read a removed child for the owners check, and takes each child once', () => {
		const groups = new NestedGroups(registry);
		const trx = {};
		groups.track(trx, [delivery(1, 'chapters', 'delete', 12, { readers_before: ['u1'] })]);
		const first = delivery(1, 'books', 'update', 7);
		groups.fold(trx, 'books', { chapters: { create: [], update: [], delete: [12] } }, schema, [first]);
		expect(first.event_data.nested).toEqual([{ collection: 'chapters', action: 'delete', keys: [12], readers_before: { '12': ['u1'] } }]);
		const second = delivery(1, 'books', 'update', 8);
		expect(groups.fold(trx, 'books', { chapters: [] }, schema, [second])).toEqual([]);
	});
});
