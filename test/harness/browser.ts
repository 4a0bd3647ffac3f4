// Headless Chromium for the app tests: Debian's package (a browser download is not possible here).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './directus.ts';
import { ADMIN } from './stack.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Where the browser tests on the pinned Directus put their screenshots: `npm run screenshots` copies the docs' from here. */
export const SCREENSHOTS_DIR = join(ROOT, 'test', '.artifacts', 'screenshots');

/** The screenshots folder of a run: other Directus versions' stay in that run's own folder. */
export function screenshotsDir(dataDir: string): string {
	return process.env.TEST_DIRECTUS_VERSION ? join(dataDir, 'screenshots') : SCREENSHOTS_DIR;
}

export function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		executablePath: CHROMIUM,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
	});
}

/** A signed-in page (1600x900) and the errors its pages throw from then on: signing in is slow, so tests do it in beforeAll. */
export async function signedInPage(baseUrl: string): Promise<{ browser: Browser; page: Page; errors: string[] }> {
	const browser = await launchBrowser();
	const page = await (await browser.newContext({ viewport: { width: 1600, height: 900 } })).newPage();
	await logIn(page, baseUrl);
	const errors: string[] = [];
	page.on('pageerror', (error) => errors.push(error.message));
	return { browser, page, errors };
}

/** Logs in through the app's own login form. */
export async function logIn(page: Page, baseUrl: string): Promise<void> {
	await page.goto(`${baseUrl}/admin/login`);
	await page.locator('input[type="email"]').fill(ADMIN.email);
	await page.locator('input[type="password"]').fill(ADMIN.password);
	await page.locator('input[type="password"]').press('Enter');
	// Directus returns a user to the last page they saw (e.g. the module, after another test file).
	await page.waitForURL(/\/admin\/(?!login)/, { timeout: 30_000 });
	await dismissStartupDialogs(page);
}

/**
 * Directus asks a new project for a license key and a project owner (12), or shows a license banner
 * (11.17): postpone them. In one CI run Playwright kept finding the button detached from the page
 * until the hook timed out, so each click is short, falls back to an in-page click, and the loop
 * looks again until no dialog is left.
 */
export async function dismissStartupDialogs(page: Page): Promise<void> {
	const postpone = page.getByRole('button', { name: /^\s*(Skip|Remind Later)\s*$/ });
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		const visible = await postpone.first().waitFor({ state: 'visible', timeout: 4_000 }).then(() => true, () => false);
		if (!visible) return;
		const clicked = await postpone.first().click({ timeout: 3_000 }).then(() => true, () => false);
		if (!clicked) await postpone.first().evaluate((button) => (button as HTMLElement).click(), undefined, { timeout: 3_000 }).catch(() => undefined);
		await page.waitForTimeout(300);
	}
	throw new Error(`a startup dialog did not close within 60 s (page ${page.url()})`);
}
