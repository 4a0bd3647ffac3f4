// One signed-in browser page for a test file's app tests: signed in before them (slow: not in any
// test's time), closed after, with the page errors seen meanwhile.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { signedInPage } from './browser.ts';

export interface AppSession {
	readonly page: Page;
	readonly errors: string[];
}

/** Call inside a describe: its tests read `session.page` and `session.errors`. */
export function appSession(baseUrl: string): AppSession {
	let opened: Awaited<ReturnType<typeof signedInPage>> | null = null;
	beforeAll(async () => {
		opened = await signedInPage(baseUrl);
	});
	afterAll(() => opened?.browser.close());
	return {
		get page() {
			return opened!.page;
		},
		get errors() {
			return opened!.errors;
		},
	};
}
