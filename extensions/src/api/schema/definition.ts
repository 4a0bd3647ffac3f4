// Declarative shapes for the collections this extension owns, in the form Directus's
// CollectionsService and FieldsService accept. Kept loose on purpose: Directus validates them.

export interface FieldDefinition {
	field: string;
	type: string;
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
