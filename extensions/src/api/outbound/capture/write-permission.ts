// Whether Directus will let a caller do an update or delete, asked before the write: Directus runs
// the filter phase (where we read before writes) ahead of its own permission check.
import type { Knex } from 'knex';
import type { Accountability, ExtensionContext, SchemaOverview } from '../../context';

export interface WriteContext {
	knex: Knex;
	schema: SchemaOverview;
	accountability: Accountability | null;
}

/**
 * Admins and the system always; others as PermissionsService says, for the item when it is one
 * (collection-wide for several). It answers only signed-in users: the public's writes get no.
 */
export async function mayWrite(services: ExtensionContext['services'], write: WriteContext, collection: string, action: 'update' | 'delete', keys: (string | number)[]): Promise<boolean> {
	const { accountability } = write;
	if (!accountability || accountability.admin) return true;
	if (!accountability.user) return false;
	const permissions = new services.PermissionsService({ knex: write.knex, schema: write.schema, accountability });
	try {
		const access = await permissions.getItemPermissions(collection, keys.length === 1 ? String(keys[0]) : undefined);
		return access?.[action]?.access === true;
	} catch {
		return false;
	}
}
