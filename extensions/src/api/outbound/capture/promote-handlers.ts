// Adapts Directus 12's items.promote (a content version published into its item) to the event
// capture: the promote's filter phase marks the item for its plain update (see promotions), its
// action becomes a `promote` event that names the version (Directus 11.17 and 12 emit it alike).
import type { Runtime } from '../../runtime';
import { PROMOTE_SOURCE } from './event-sources';
import { onItemAction, type HookContext } from './event-handlers';

interface PromoteMeta {
	collection?: string;
	/** The item's key; null in the filter phase when the version is a draft of an item not yet created. */
	item?: string | number | null;
	/** The version's id. */
	version?: string;
	payload?: unknown;
}

const VERSIONS = 'directus_versions';

export function beforePromote(runtime: Runtime, meta: PromoteMeta): void {
	const { collection, item } = meta;
	if (!collection || item === null || item === undefined) return;
	// Only a webhook that would get both needs to tell the promote's update apart.
	if (runtime.registry.match(collection, 'promote').some((webhook) => webhook.actions.includes('update'))) runtime.promotions.begin(collection, item);
}

export async function onPromote(runtime: Runtime, meta: PromoteMeta, context: HookContext): Promise<void> {
	const { collection, item, version } = meta;
	if (!collection || item === null || item === undefined || !version || runtime.registry.match(collection, 'promote').length === 0) return;
	const row: { id: string; key: string | null; name: string | null } | undefined = await context.database.select('id', 'key', 'name').from(VERSIONS).where({ id: version }).first();
	onItemAction(runtime, PROMOTE_SOURCE, { key: item, payload: meta.payload, collection }, context, { version: row ?? { id: version, key: null, name: null } });
}
