// Headless Chromium for the app tests: Debian's package (a browser download is not possible here).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN } from './stack.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		executablePath: CHROMIUM,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
	});
}

/** Logs in through the app's own login form. */
export async function logIn(page: Page, baseUrl: string): Promise<void> {
	await page.goto(`${baseUrl}/admin/login`);
	await page.locator('input[type="email"]').fill(ADMIN.email);
	await page.locator('input[type="password"]').fill(ADMIN.password);
	await page.locator('input[type="password"]').press('Enter');
	await page.waitForURL(/\/admin\/(content|insights|users)/, { timeout: 30_000 });
	await dismissStartupDialogs(page);
}

/** Directus 12 asks a new project for a license key and a project owner: postpone both. */
async function dismissStartupDialogs(page: Page): Promise<void> {
	const postpone = page.getByRole('button', { name: /^\s*(Skip|Remind Later)\s*$/ });
	for (let round = 0; round < 3; round++) {
		const visible = await postpone.first().waitFor({ state: 'visible', timeout: 4_000 }).then(() => true, () => false);
		if (!visible) return;
		await postpone.first().click();
		await page.waitForTimeout(300);
	}
}
