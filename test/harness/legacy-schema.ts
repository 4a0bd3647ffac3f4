// What earlier versions of the extension wrote that this one no longer does, so upgrade tests can
// take a database back to it: the delivery log's two tables were Directus collections, with these
// directus_collections rows (their collections.ts).
import type { Knex } from 'knex';

export const LOG_TABLES = ['webhooks_deliveries', 'webhooks_attempts'];

const translations = (singular: string, plural: string) => JSON.stringify([{ language: 'en-US', translation: plural, singular, plural }]);

const OLD_LOG_COLLECTIONS = [
	{
		collection: 'webhooks_deliveries',
		icon: 'outbox',
		note: 'Outgoing deliveries (the outbox): one per webhook and event, with its retry state',
		translations: translations('Delivery', 'Deliveries'),
		group: 'webhooks',
		sort: 2,
		display_template: '{{event}} #{{item_key}}',
		accountability: null,
	},
	{
		collection: 'webhooks_attempts',
		icon: 'history',
		note: 'Every HTTP attempt of every delivery: request, response, duration, error',
		translations: translations('Delivery attempt', 'Delivery attempts'),
		group: 'webhooks',
		sort: 3,
		display_template: '#{{attempt}} {{response_status}}',
		accountability: null,
	},
];

/** Gives the log tables the collection rows earlier versions made (Directus stopped). */
export async function rewindLogToCollections(db: Knex): Promise<void> {
	await db('directus_collections').whereIn('collection', LOG_TABLES).delete();
	await db('directus_collections').insert(OLD_LOG_COLLECTIONS);
}
