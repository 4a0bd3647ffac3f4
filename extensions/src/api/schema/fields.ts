// Small builders for field definitions, so the collection files read as a list of fields
// rather than as nested meta objects.
import type { FieldDefinition, FieldType } from './definition';

type Meta = Record<string, unknown>;

export function primaryKey(field = 'id'): FieldDefinition {
	return {
		field,
		type: 'integer',
		meta: { hidden: true, readonly: true, interface: 'input' },
		schema: { is_primary_key: true, has_auto_increment: true },
	};
}

export function uuidKey(field = 'id'): FieldDefinition {
	return {
		field,
		type: 'uuid',
		meta: { hidden: true, readonly: true, interface: 'input', special: ['uuid'] },
		schema: { is_primary_key: true, length: 36, has_auto_increment: false },
	};
}

export function field(name: string, type: FieldType, meta: Meta, schema: Meta = {}): FieldDefinition {
	return { field: name, type, meta: { ...meta }, schema: { is_nullable: true, ...schema } };
}

export function choices(values: readonly string[]): { text: string; value: string }[] {
	return values.map((value) => ({ text: value.charAt(0).toUpperCase() + value.slice(1), value }));
}

export function timestamps(): FieldDefinition[] {
	return [
		field('date_created', 'timestamp', {
			special: ['date-created'],
			interface: 'datetime',
			display: 'datetime',
			display_options: { relative: true },
			readonly: true,
			width: 'half',
		}),
		field('date_updated', 'timestamp', {
			special: ['date-updated'],
			interface: 'datetime',
			display: 'datetime',
			display_options: { relative: true },
			readonly: true,
			width: 'half',
		}),
	];
}

/** Display names in the Data Studio (otherwise it title-cases the table name). */
export function names(singular: string, plural: string): { translations: Record<string, string>[] } {
	return { translations: [{ language: 'en-US', translation: plural, singular, plural }] };
}

/** A JSON list edited as rows of sub-fields in the Data Studio (headers, mappings). */
export function listField(name: string, template: string, subfields: Meta[], meta: Meta): FieldDefinition {
	return field(name, 'json', { special: ['cast-json'], interface: 'list', options: { template, fields: subfields }, ...meta });
}

/** Header name and value sub-fields, shared by request and response header lists. */
export const HEADER_SUBFIELDS: Meta[] = [
	{ field: 'header', name: 'Header', type: 'string', meta: { interface: 'input', width: 'half', required: true } },
	{ field: 'value', name: 'Value', type: 'string', meta: { interface: 'input', width: 'half' } },
];
