import { describe, expect, it } from 'vitest';
import type { Accountability, SchemaOverview } from '../../extensions/src/api/context';
import { OwnerScope } from '../../extensions/src/api/outbound/worker/owner-scope';
import type { OwnerAccountability } from '../../extensions/src/api/outbound/worker/owner-accountability';

// Directus 12.4 without a licence refuses the field permissions on a related collection that
// make two owners see a related item differently, so the e2e tests cannot build this case: each
// reader here gets the row its permissions would give (the relation expanded as they see it).
const rows: Record<string, Record<string, unknown>> = {
	alice: { id: 1, title: 'Post', author: { id: 7, name: 'Ann', email: 'ann@example.com' }, tags: [1, 2] },
	bob: { id: 1, title: 'Post', author: { id: 7, name: 'Ann' }, tags: [1, 2] },
};

class ItemsService {
	private readonly reader: string;
	constructor(_collection: string, options: { accountability: Accountability }) {
		this.reader = options.accountability.user!;
	}
	async readByQuery(): Promise<Record<string, unknown>[]> {
		return [rows[this.reader]!];
	}
}

const schema = { collections: { posts: { primary: 'id', fields: {} } }, relations: [] } as unknown as SchemaOverview;
const reader = (user: string): Accountability => ({ user, role: null, roles: [], admin: false, app: true, ip: null }) as Accountability;
const scope = new OwnerScope({ services: { ItemsService }, database: null } as never, {} as OwnerAccountability);

describe('OwnerScope.readItem', () => {
	it('keeps a field only when every owner reads the same value: a related item one owner sees more of is left out', async () => {
		const item = await scope.readItem([reader('alice'), reader('bob')], 'posts', '1', schema, { fields: ['*', 'author.*'], filter: null });
		expect(item).toEqual({ id: 1, title: 'Post', tags: [1, 2] });
		// In either order.
		expect(await scope.readItem([reader('bob'), reader('alice')], 'posts', '1', schema, { fields: ['*', 'author.*'], filter: null })).toEqual(item);
	});

	it('keeps the related item when there is a single owner', async () => {
		expect(await scope.readItem([reader('alice')], 'posts', '1', schema, { fields: ['*'], filter: null })).toEqual(rows.alice);
	});
});
