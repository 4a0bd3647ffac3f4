// Database drivers return the same column differently (SQLite 0/1 booleans, PostgreSQL bigint
// strings, MariaDB JSON as text). These turn raw knex rows into plain values.

export function toBool(value: unknown): boolean {
	return value === true || value === 1 || value === '1' || value === 'true';
}

export function toNumber(value: unknown): number | null {
	if (value === null || value === undefined || value === '') return null;
	const number = Number(value);
	return Number.isFinite(number) ? number : null;
}

export function toJson<T>(value: unknown, fallback: T): T {
	if (value === null || value === undefined || value === '') return fallback;
	if (typeof value !== 'string') return value as T;
	try {
		return JSON.parse(value) as T;
	} catch {
		return fallback;
	}
}

export function toCsv(value: unknown): string[] {
	if (Array.isArray(value)) return value.map(String);
	if (typeof value !== 'string' || value === '') return [];
	return value.split(',').map((part) => part.trim()).filter(Boolean);
}
