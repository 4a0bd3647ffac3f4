// A worker entry that runs the send thread from its TypeScript source, as the built bundle runs
// inside Directus: Node strips the types, and the hook below resolves the source's extensionless
// relative imports (written for the bundler) to its .ts files. Unit tests start SendThread with
// this entry, so they need no build.
import { registerHooks } from 'node:module';

const RELATIVE = /^\.{1,2}\//;
const HAS_EXTENSION = /\.[cm]?[jt]s$/;

registerHooks({
	resolve(specifier, context, nextResolve) {
		if (!RELATIVE.test(specifier) || HAS_EXTENSION.test(specifier) || !context.parentURL?.endsWith('.ts')) return nextResolve(specifier, context);
		try {
			return nextResolve(`${specifier}.ts`, context);
		} catch {
			return nextResolve(`${specifier}/index.ts`, context);
		}
	},
});

await import('../../extensions/src/api/outbound/transport/send-thread.ts');
