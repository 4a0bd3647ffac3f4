// Directus destroys its database pool on shutdown before any extension event fires (its
// `server.stop` action comes after), so buffered outbox rows and delivery outcomes would be
// lost. We run our last writes just before that pool goes, while it still serves every query.
// (knex.destroy itself is read-only; it delegates to the client's destroy, which we wrap.) The one
// override of a Directus-owned object: docs/architecture.md says why no public moment works.
import type { Knex } from 'knex';

const wrapped = new WeakSet<object>();

export function beforeDatabaseCloses(knex: Knex, task: () => Promise<void>): void {
	const client = knex.client as { destroy: (callback?: unknown) => Promise<void> };
	if (wrapped.has(client)) return;
	wrapped.add(client);
	const destroy = client.destroy.bind(client);
	client.destroy = async (callback?: unknown) => {
		await task().catch(() => undefined);
		return destroy(callback);
	};
}
