// Declarative shapes for the collections this extension owns, in the form Directus's
// CollectionsService and FieldsService accept. Meta stays loose: Directus validates it.

export type FieldType =
	| 'string' | 'text' | 'boolean' | 'integer' | 'bigInteger' | 'float' | 'decimal' | 'uuid'
	| 'timestamp' | 'dateTime' | 'date' | 'time' | 'json' | 'csv' | 'hash' | 'alias';

export interface FieldDefinition {
	field: string;
	type: FieldType;
	meta?: Record<string, unknown>;
	schema?: Record<string, unknown> | null;
}

export interface CollectionDefinition {
	collection: string;
	/**
	 * null for a table the extension owns without a Directus collection (no directus_collections
	 * row: "database only" in the Data Studio), which Directus 12's licence does not count. Its
	 * fields still have their directus_fields rows, so ItemsService reads them as typed.
	 */
	meta: Record<string, unknown> | null;
	/** null for a folder (a collection without a table). */
	schema: Record<string, unknown> | null;
	fields: FieldDefinition[];
}
