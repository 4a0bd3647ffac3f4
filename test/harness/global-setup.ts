// Vitest global setup for the e2e project: one real Directus per run, on TEST_DB.
import type { TestProject } from 'vitest/node';
import { parseDatabaseKind } from './databases.ts';
import { startStack, type StackInfo } from './stack.ts';

declare module 'vitest' {
	export interface ProvidedContext {
		directus: StackInfo;
	}
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const kind = parseDatabaseKind(process.env.TEST_DB);
	const started = Date.now();
	const stack = await startStack(kind);
	console.log(`[e2e] Directus on ${kind} (${stack.info.database}) at ${stack.info.url}, ready in ${Date.now() - started} ms; log: ${stack.info.logFile}`);
	project.provide('directus', stack.info);
	return () => stack.stop();
}
