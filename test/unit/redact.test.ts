import { describe, expect, it } from 'vitest';
import { redactItem, secretFields } from '../../extensions/src/api/outbound/capture/redact';

const MASK = '**********';
const field = (name: string, special: string[] = []) => ({ field: name, special });
// The shape of Directus's schema overview, with just what redaction reads.
const schema = {
	collections: {
		directus_users: { primary: 'id', fields: { id: field('id'), password: field('password', ['hash', 'conceal']), auth_data: field('auth_data'), role: field('role', ['m2o']) } },
		directus_roles: { primary: 'id', fields: { id: field('id'), users: field('users', ['o2m']) } },
		directus_settings: { primary: 'id', fields: { id: field('id'), ai_openai_api_key: field('ai_openai_api_key', ['encrypt']) } },
		articles: { primary: 'id', fields: { id: field('id'), author: field('author', ['m2o']), meta: field('meta', ['cast-json']) } },
	},
	relations: [
		{ collection: 'directus_users', field: 'role', related_collection: 'directus_roles', schema: null, meta: { one_field: 'users' } },
		{ collection: 'articles', field: 'author', related_collection: 'directus_users', schema: null, meta: { one_field: null } },
	],
} as never;

describe('redaction', () => {
	it('counts hashed, concealed and encrypted fields, and auth_data of users, as secret', () => {
		expect(secretFields(schema, 'directus_users').sort()).toEqual(['auth_data', 'password']);
		expect(secretFields(schema, 'directus_settings')).toEqual(['ai_openai_api_key']);
		expect(secretFields(schema, 'articles')).toEqual([]);
	});

	it('masks secret fields of related items at every depth, many-to-one and one-to-many', () => {
		const item = {
			id: 1,
			meta: { auth_data: 'a JSON field of the article, not a user' },
			author: { id: 'u1', auth_data: '{"refreshToken":"t1"}', role: { id: 'r', users: [{ id: 'u2', auth_data: 't2', password: null }] } },
		};
		expect(redactItem(schema, 'articles', item)).toEqual({
			id: 1,
			meta: { auth_data: 'a JSON field of the article, not a user' },
			author: { id: 'u1', auth_data: MASK, role: { id: 'r', users: [{ id: 'u2', auth_data: MASK, password: null }] } },
		});
		// The item read is left as it was.
		expect(item.author.auth_data).toBe('{"refreshToken":"t1"}');
	});
});
