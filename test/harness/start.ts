// `npm start`: a Directus on SQLite in .data/ with the freshly built bundle loaded.
// Settings: .env.example, then .env, then the real environment (later wins).
import { mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { DirectusProcess, ROOT } from './directus.ts';
import { readEnvFile } from './env-file.ts';

const dataDir = join(ROOT, '.data');
mkdirSync(dataDir, { recursive: true });

const settings: Record<string, string> = {
	...readEnvFile(join(ROOT, '.env.example')),
	...readEnvFile(join(ROOT, '.env')),
};
for (const [key, value] of Object.entries(process.env)) if (value !== undefined) settings[key] = value;
if (settings.DB_FILENAME && !isAbsolute(settings.DB_FILENAME)) settings.DB_FILENAME = join(ROOT, settings.DB_FILENAME);

const port = Number(settings.PORT ?? 8055);
const directus = await DirectusProcess.create({ dataDir, env: settings, port, host: settings.HOST });

console.log('[start] preparing the database (first run installs Directus; later runs only migrate)...');
await directus.run(['bootstrap']);

const stop = async () => {
	await directus.stop();
	process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

await directus.start();
console.log(`
  Directus with the webhooks bundle is running.

    URL:       ${settings.PUBLIC_URL ?? directus.url}
    Admin:     ${settings.ADMIN_EMAIL}
    Password:  ${settings.ADMIN_PASSWORD}  (only used when the admin was created on the first start)

  Press Ctrl+C to stop. Data lives in ${dataDir}.
`);
