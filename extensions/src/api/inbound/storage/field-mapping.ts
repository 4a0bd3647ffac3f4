// Copies values from a request into the storage collection's mapped fields, converted to the
// field's type. A value that does not convert is stored as null rather than refusing a request
// the caller has already been allowed to make.
import type { FieldMapping } from '../../../shared/inbound-endpoint';
import { pathSegments, resolvePath } from '../../../shared/json-path';

export interface MappingSource {
	body: unknown;
	headers: Record<string, unknown>;
	query: Record<string, unknown>;
}

const MAX_STRING = 255;
const INTEGER = /^[+-]?\d+$/;

export function mapFields(mappings: readonly FieldMapping[], source: MappingSource): Record<string, unknown> {
	const values: Record<string, unknown> = {};
	for (const mapping of mappings) {
		const segments = pathSegments(mapping.path);
		const value = segments === null ? undefined : resolvePath(source, segments);
		values[mapping.field] = convert(value, mapping.type);
	}
	return values;
}

export function convert(value: unknown, type: FieldMapping['type']): unknown {
	if (value === undefined || value === null) return null;
	switch (type) {
		case 'json':
			return value;
		case 'string':
		case 'text': {
			// PostgreSQL text cannot hold NUL.
			const text = (typeof value === 'object' ? JSON.stringify(value) : String(value)).replaceAll('\0', '\uFFFD');
			return type === 'string' ? text.slice(0, MAX_STRING) : text;
		}
		case 'integer':
		case 'bigInteger': {
			const number = typeof value === 'number' ? value : typeof value === 'string' && INTEGER.test(value.trim()) ? Number(value.trim()) : NaN;
			if (!Number.isSafeInteger(number)) return null;
			// 32-bit columns on every database.
			return type === 'integer' && (number < -2_147_483_648 || number > 2_147_483_647) ? null : number;
		}
		case 'float': {
			const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
			return Number.isFinite(number) ? number : null;
		}
		case 'boolean':
			if (typeof value === 'boolean') return value;
			if (value === 1 || value === 'true' || value === '1') return true;
			if (value === 0 || value === 'false' || value === '0') return false;
			return null;
		case 'timestamp': {
			// Unix seconds (as providers send), milliseconds, or an ISO date.
			const numeric = typeof value === 'number' ? value : typeof value === 'string' && INTEGER.test(value.trim()) ? Number(value) : null;
			const date = numeric !== null ? new Date(numeric < 1e11 ? numeric * 1000 : numeric) : typeof value === 'string' ? new Date(value) : null;
			return date !== null && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
		}
	}
}
