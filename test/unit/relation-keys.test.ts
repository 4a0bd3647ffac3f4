import { describe, expect, it } from 'vitest';
import type { SchemaOverview } from '../../extensions/src/api/context';
import { relationKeys } from '../../extensions/src/api/outbound/capture/relation-keys';

const schema = {
	collections: {
		articles: { primary: 'id', fields: { meta: { type: 'json' }, tags: { type: 'alias' } } },
		directus_users: { primary: 'id', fields: {} },
		comments: { primary: 'id', fields: {} },
	},
	relations: [
		{ collection: 'articles', field: 'author', related_collection: 'directus_users', meta: null },
		{ collection: 'comments', field: 'article', related_collection: 'articles', meta: { one_field: 'comments' } },
	],
} as unknown as SchemaOverview;

describe('relationKeys', () => {
	it('replaces inline related items by their keys and keeps everything else as it is', () => {
		const payload = {
			title: 'T',
			meta: { nested: { kept: true } },
			author: { id: 'u1', password: 'plain' },
			comments: [{ id: 4, text: 'x' }, 5, { text: 'new' }],
			tags: [{ tag: 'secret' }],
		};
		expect(relationKeys(payload, schema, 'articles')).toEqual({ title: 'T', meta: { nested: { kept: true } }, author: 'u1', comments: [4, 5, null], tags: [null] });
	});

	it('summarises O2M changes and gives null for a new related item', () => {
		expect(relationKeys({ author: { email: 'a@b' }, comments: { create: [{ text: 'a' }, { text: 'b' }], update: [{ id: 1, text: 'c' }], delete: [2] } }, schema, 'articles')).toEqual({
			author: null,
			comments: { create: 2, update: [1], delete: [2] },
		});
	});

	it('returns the same payload when nothing is relational', () => {
		const payload = { title: 'T', author: 'u1', meta: { a: 1 } };
		expect(relationKeys(payload, schema, 'articles')).toBe(payload);
		expect(relationKeys(null, schema, 'articles')).toBe(null);
	});
});
