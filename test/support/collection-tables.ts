// Tables for collection definitions (schema/collections.ts), with the columns Directus's
// FieldsService makes for them: type, length, nullability, default, primary key, unique and plain
// indexes. For unit tests that need the installer's table shapes without a Directus; a field type
// our collections do not use fails loudly here rather than being guessed.
import type { Knex } from 'knex';
import type { CollectionDefinition, FieldDefinition } from '../../extensions/src/api/schema/definition';

export async function createTables(db: Knex, definitions: readonly CollectionDefinition[]): Promise<void> {
	for (const definition of definitions) {
		// A folder (no table).
		if (definition.schema === null) continue;
		await db.schema.createTable(definition.collection, (table) => {
			for (const field of definition.fields) addColumn(table, field);
		});
	}
}

function addColumn(table: Knex.CreateTableBuilder, field: FieldDefinition): void {
	if (field.type === 'alias') return;
	const schema = field.schema ?? {};
	const column = columnOf(table, field, schema);
	if (schema.is_nullable === false) column.notNullable();
	if (schema.default_value !== undefined && schema.default_value !== null) column.defaultTo(schema.default_value as Knex.Value);
	// increments() is the primary key already.
	if (schema.is_primary_key && !schema.has_auto_increment) column.primary();
	if (schema.is_unique) column.unique();
	if (schema.is_indexed) column.index();
}

function columnOf(table: Knex.CreateTableBuilder, { field: name, type }: FieldDefinition, schema: Record<string, unknown>): Knex.ColumnBuilder {
	if (schema.has_auto_increment) return type === 'bigInteger' ? table.bigIncrements(name) : table.increments(name);
	switch (type) {
		case 'string':
			return table.string(name, typeof schema.max_length === 'number' ? schema.max_length : undefined);
		case 'text':
		case 'csv':
			return table.text(name);
		case 'integer':
			return table.integer(name);
		case 'bigInteger':
			return table.bigInteger(name);
		case 'boolean':
			return table.boolean(name);
		case 'json':
			return table.json(name);
		case 'uuid':
			return table.uuid(name);
		case 'timestamp':
			return table.timestamp(name, { useTz: true });
		default:
			throw new Error(`collection-tables: no column mapping for type ${type} (field ${name})`);
	}
}
