// The Directus app in a real (headless) browser, against the harness's Directus.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hasChromium, launchBrowser, logIn } from '../harness/browser.ts';

const info = inject('directus');
if (!hasChromium && process.env.CI) throw new Error('Chromium is missing: CI must run the browser tests (apt-get install chromium)');

describe.skipIf(!hasChromium)('the Directus app', () => {
	let browser: Browser;
	beforeAll(async () => {
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
	});

	it('shows the Webhooks module in the sidebar and opens it', async () => {
		const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
		const errors: string[] = [];
		page.on('pageerror', (error) => errors.push(error.message));
		await logIn(page, info.url);
		const link = page.locator('.module-bar a[href="/admin/webhooks"]');
		await link.waitFor({ state: 'visible', timeout: 15_000 });
		await link.click();
		await page.waitForURL(/\/admin\/webhooks/);
		await page.getByText('Webhooks', { exact: true }).first().waitFor();
		await page.screenshot({ path: join(info.dataDir, 'module.png') });
		expect(errors).toEqual([]);
		await page.close();
	});
});
