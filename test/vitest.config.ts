import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
	test: {
		root,
		reporters: ['default'],
		projects: [
			{
				test: {
					name: 'unit',
					root,
					include: ['test/unit/**/*.test.ts'],
				},
			},
			{
				test: {
					name: 'e2e',
					root,
					include: ['test/e2e/**/*.test.ts'],
					globalSetup: ['test/harness/global-setup.ts'],
					// One Directus per run: files share it, so they run one after another.
					fileParallelism: false,
					testTimeout: 60_000,
					hookTimeout: 240_000,
				},
			},
		],
	},
});
