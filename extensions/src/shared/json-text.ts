// JSON text of any value, for checks and templates that meet values JSON cannot hold.

/** JSON text of a value; undefined for what JSON cannot hold (cycles, BigInt, functions). */
export function jsonText(value: unknown): string | undefined {
	try {
		return JSON.stringify(value);
	} catch {
		return undefined;
	}
}
