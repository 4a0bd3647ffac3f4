// Reads KEY=value files such as .env.example: enough for our defaults, no expansion.
import { existsSync, readFileSync } from 'node:fs';

export function readEnvFile(path: string): Record<string, string> {
	if (!existsSync(path)) return {};
	const values: Record<string, string> = {};
	for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
		const line = raw.trim();
		if (!line || line.startsWith('#')) continue;
		const eq = line.indexOf('=');
		if (eq <= 0) continue;
		let value = line.slice(eq + 1).trim();
		if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
		values[line.slice(0, eq).trim()] = value;
	}
	return values;
}
