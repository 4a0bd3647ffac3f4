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
	meta: Record<string, unknown>;
	/** null for a folder (a collection without a table). */
	schema: Record<string, unknown> | null;
	fields: FieldDefinition[];
}
