// Creates the extension's collections, tables and fields on startup. Idempotent (it only adds
// what is missing) and safe when several instances start at once (see schema-lock). A definition
// without meta is a table without a Directus collection: one that earlier versions installed as a
// collection loses only its directus_collections row (unmanage), never its table, rows or fields.
import type { Knex } from 'knex';
import { MODULE_ID } from '../../shared/collections';
import { SYSTEM_ACCOUNTABILITY, type ExtensionContext, type SchemaOverview } from '../context';
import { COLLECTIONS } from './collections';
import type { CollectionDefinition, FieldDefinition } from './definition';
import { withModule, type ModuleBarEntry } from './module-bar';
import { withSchemaLock } from './schema-lock';

export interface InstallReport {
	createdCollections: string[];
	addedFields: string[];
	/** Tables whose directus_collections row (left by an earlier version) was removed. */
	unmanagedCollections: string[];
	moduleBarUpdated: boolean;
}

/** True when the install changed anything (what the startup log reports). */
export function changedSchema(report: InstallReport): boolean {
	return report.createdCollections.length + report.addedFields.length + report.unmanagedCollections.length > 0 || report.moduleBarUpdated;
}

interface CollectionState {
	hasMeta: boolean;
	hasTable: boolean;
	fields: Set<string>;
}

export class SchemaInstaller {
	private readonly context: ExtensionContext;
	private readonly definitions: CollectionDefinition[];
	private readonly moduleBar: boolean;
	/** The connection every read and change goes through: Directus's pool, or a write's transaction. */
	private readonly knex: Knex;

	/**
	 * `moduleBar: false` installs only the given collections (inbound storage collections); `knex`
	 * makes the changes part of that transaction.
	 */
	constructor(context: ExtensionContext, definitions: CollectionDefinition[] = COLLECTIONS, options: { moduleBar?: boolean; knex?: Knex } = {}) {
		this.context = context;
		this.definitions = definitions;
		this.moduleBar = options.moduleBar ?? true;
		this.knex = options.knex ?? context.database;
	}

	async install(): Promise<InstallReport> {
		const report = await withSchemaLock(this.knex, () => this.installLocked());
		// What we created or added, Directus's services have already dropped from its schema cache.
		// A removed collection row they have not (an item delete): the cache, and the licence's
		// count of collections, are dropped here from the schema just read.
		if (report.unmanagedCollections.length > 0) await this.clearSchemaCache(await this.freshSchema());
		// Only asked when we changed nothing: asking rebuilds an emptied cache, and on SQLite a
		// rebuild from here (an action hook, beside other requests) waits for the one connection
		// while a request holding it in a transaction may wait for the rebuild (Directus asks for
		// the schema there when it counts seats on a /access write): 30 s, then a 500.
		else if (report.createdCollections.length + report.addedFields.length === 0) await this.refreshStaleSchemaCache();
		return report;
	}

	/** True when every collection, table and field is already as defined (read directly, not from the schema cache). */
	async isComplete(): Promise<boolean> {
		for (const definition of this.definitions) {
			const state = await this.readState(definition.collection);
			if (!exists(definition, state) || leftManaged(definition, state) || missingFields(definition, state).length > 0) return false;
		}
		return true;
	}

	private async installLocked(): Promise<InstallReport> {
		const report: InstallReport = { createdCollections: [], addedFields: [], unmanagedCollections: [], moduleBarUpdated: false };

		for (const definition of this.definitions) {
			let state = await this.readState(definition.collection);
			// First, so that a table lost beside its row is created again below.
			if (leftManaged(definition, state)) {
				await this.unmanage(definition.collection);
				report.unmanagedCollections.push(definition.collection);
				state = { ...state, hasMeta: false };
			}
			if (!exists(definition, state)) {
				await this.tolerateRace(definition, () => this.createCollection(definition));
				report.createdCollections.push(definition.collection);
				continue;
			}
			for (const field of missingFields(definition, state)) {
				const schema = await this.freshSchema();
				const { FieldsService } = this.context.services;
				await new FieldsService({ knex: this.knex, schema, accountability: null }).createField(
					definition.collection,
					// Our definitions are the raw shape Directus validates; its Column type describes reads.
					field as never,
				);
				report.addedFields.push(`${definition.collection}.${field.field}`);
			}
		}

		report.moduleBarUpdated = this.moduleBar && (await this.ensureModuleInBar());
		return report;
	}

	private async createCollection(definition: CollectionDefinition): Promise<void> {
		const { CollectionsService } = this.context.services;
		const schema = await this.freshSchema();
		const collection = {
			collection: definition.collection,
			meta: definition.meta,
			schema: definition.schema,
			fields: definition.schema === null ? undefined : definition.fields,
		};
		// Inside a write's transaction, without the action events of the new collection's rows:
		// Directus reads the schema for them on another connection, which on SQLite waits forever
		// for the one the transaction holds.
		const options = this.knex.isTransaction ? { emitEvents: false } : undefined;
		await new CollectionsService({ knex: this.knex, schema, accountability: null }).createOne(collection, options);
	}

	/**
	 * Removes the directus_collections row of a table we keep without one. Directus has no public
	 * call for this (CollectionsService.updateOne ignores `meta: null`; deleteOne drops the table):
	 * this deletes the row as an item of directus_collections, with system rights and no events (the
	 * collection is not deleted). Deleting a row already gone (another instance) changes nothing.
	 */
	private async unmanage(collection: string): Promise<void> {
		const { ItemsService } = this.context.services;
		const schema = await this.freshSchema();
		await new ItemsService('directus_collections', { knex: this.knex, schema, accountability: null }).deleteOne(collection, { emitEvents: false });
	}

	/** Reads what exists straight from the database: the schema cache may predate another instance's work. */
	private async readState(collection: string): Promise<CollectionState> {
		const knex = this.knex;
		const meta = await knex.select('collection').from('directus_collections').where({ collection }).first();
		const rows: { field: string }[] = await knex.select('field').from('directus_fields').where({ collection });
		const fields = new Set(rows.map((row) => row.field));
		const hasTable = await knex.schema.hasTable(collection);
		if (hasTable) {
			const columns = await knex(collection).columnInfo();
			for (const column of Object.keys(columns)) fields.add(column);
		}
		return { hasMeta: meta !== undefined, hasTable, fields };
	}

	// Without a lock (SQLite), a concurrent start may create the collection first; that is fine.
	private async tolerateRace(definition: CollectionDefinition, create: () => Promise<void>): Promise<void> {
		try {
			await create();
		} catch (error) {
			if (exists(definition, await this.readState(definition.collection))) return;
			throw error;
		}
	}

	private async ensureModuleInBar(): Promise<boolean> {
		const { SettingsService } = this.context.services;
		const schema = await this.freshSchema();
		const settings = new SettingsService({ knex: this.knex, schema, accountability: null });
		const current = (await settings.readSingleton({ fields: ['module_bar'] })) as { module_bar?: ModuleBarEntry[] | null };
		const next = withModule(current?.module_bar, MODULE_ID);
		if (next === null) return false;
		await settings.upsertSingleton({ module_bar: next });
		return true;
	}

	/** When another instance created our collections after this one cached its schema, drop that cache. */
	private async refreshStaleSchemaCache(): Promise<void> {
		const cached = await this.context.getSchema({ database: this.knex });
		const missing = this.definitions.some(
			(definition) =>
				definition.schema !== null &&
				definition.fields.some((field) => !cached.collections[definition.collection]?.fields[field.field]),
		);
		if (missing) await this.clearSchemaCache(cached);
	}

	/** Drops Directus's schema cache and its cached licence counts, on every instance (Directus's bus). */
	private async clearSchemaCache(schema: SchemaOverview): Promise<void> {
		const { UtilsService } = this.context.services;
		await new UtilsService({ knex: this.knex, schema, accountability: SYSTEM_ACCOUNTABILITY }).clearCache({ system: true });
	}

	private freshSchema(): Promise<SchemaOverview> {
		return this.context.getSchema({ database: this.knex, bypassCache: true });
	}
}

/** A collection (and a folder) exists by its directus_collections row; a table without one by its table. */
function exists(definition: CollectionDefinition, state: CollectionState): boolean {
	return definition.meta === null ? state.hasTable : state.hasMeta;
}

/** A table we keep without a collection row that still has one (installed by an earlier version). */
function leftManaged(definition: CollectionDefinition, state: CollectionState): boolean {
	return definition.meta === null && state.hasMeta;
}

function missingFields(definition: CollectionDefinition, state: { fields: Set<string> }): FieldDefinition[] {
	return definition.fields.filter((field) => !state.fields.has(field.field));
}
