// The Directus app in a real (headless) browser, against the harness's Directus: the admin module
// and the Insights panel, driven as an admin would. Screenshots of the main screens go to
// test/.artifacts/screenshots (`npm run screenshots` copies the ones the docs show into the tree).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hasChromium, launchBrowser, logIn, screenshotsDir } from '../harness/browser.ts';
import { ApiClient } from '../harness/client.ts';
import { receivedAt } from '../harness/delegate.ts';
import { Receiver } from '../harness/receiver.ts';
import { PRESETS } from '../../extensions/src/shared/webhook-presets.ts';
import { NEW_USER_FILTER, TRIGGERS } from '../../extensions/src/shared/webhook-triggers.ts';
import { ACTION_LABELS } from '../../extensions/src/shared/webhook-actions.ts';
import { TEXTS } from '../../extensions/src/app/texts.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const SCREENSHOTS = screenshotsDir(info.dataDir);
const COLLECTION = 'e2e_app_items';
if (!hasChromium && process.env.CI) throw new Error('Chromium is missing: CI must run the browser tests (apt-get install chromium)');

describe.skipIf(!hasChromium)('the Directus app', () => {
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;
	let receiver: Receiver;
	const errors: string[] = [];

	beforeAll(async () => {
		mkdirSync(SCREENSHOTS, { recursive: true });
		receiver = await Receiver.start();
		await api.createCollection(COLLECTION, { title: 'string' });
		browser = await launchBrowser();
		context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
		await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: info.url });
		page = await context.newPage();
		await logIn(page, info.url);
		// Only what happens in our screens counts: the login page has errors of its own (auth refresh).
		page.on('pageerror', (error) => errors.push(error.message));
		page.on('console', (message) => {
			if (message.type() === 'error') errors.push(message.text());
		});
	});

	afterAll(async () => {
		await browser?.close();
		await receiver?.close();
		await api.deleteEverything(COLLECTION);
	});

	const drawer = () => page.locator('.v-drawer').last();
	const field = (label: string) => drawer().locator('.field', { has: page.locator('.field-label, .label, .type-label', { hasText: new RegExp(`^\\s*${label}\\s*\\*?\\s*$`) }) }).first();
	const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
	/** Opens an app page once `text` shows and the app's loading overlay (a blur over the page) is gone. */
	async function visit(path: string, text: string): Promise<void> {
		await page.goto(`${info.url}${path}`);
		await page.getByText(text).first().waitFor();
		await page.locator('.hydrating').waitFor({ state: 'hidden' });
	}

	/** Picks the test collection in the drawer: Directus 11 lists collections as checkboxes, Directus 12 in a searchable dropdown. */
	async function chooseCollection(): Promise<void> {
		const collections = field('Collections');
		const checkbox = collections.locator('.v-checkbox', { hasText: /e2e.?app.?items/i });
		if ((await checkbox.count()) > 0) {
			await checkbox.first().click();
			return;
		}
		await collections.locator('.v-input, .v-select').first().click();
		await page.locator('.v-menu-content input').fill('app items');
		await page.locator('.v-menu-content .v-list-item', { hasText: /e2e.?app.?items/i }).first().click();
		await page.keyboard.press('Escape');
		await page.locator('.v-menu-content').waitFor({ state: 'hidden' }); // not half faded in the screenshot
	}
	/** The rows of the delivery log on a webhook's page. */
	const deliveryRows = () => page.locator('[data-test="deliveries"] tbody tr, [data-test="deliveries"] .table-row');

	it('opens the module from the sidebar, with an empty state', async () => {
		const link = page.locator('.module-bar a[href="/admin/webhooks"]');
		await link.waitFor({ state: 'visible', timeout: 15_000 });
		await link.click();
		await page.waitForURL(/\/admin\/webhooks\/outgoing/);
		await page.getByText('No outgoing webhooks yet').waitFor();
	});

	it('creates a webhook in a drawer, shows its secret once with a copy button, and logs deliveries that can be resent', async () => {
		await page.locator('[data-test="create-webhook"]').click();
		await field('Name').locator('input').fill('Orders to the warehouse');
		await field('URL').locator('input').fill(receiver.url('/app'));
		await drawer().getByText(ACTION_LABELS.create, { exact: true }).click();
		await chooseCollection();
		await page.screenshot({ path: join(SCREENSHOTS, 'outgoing-drawer.png') });
		await page.locator('[data-test="save"]').click();

		const secretBox = page.locator('[data-test="secret"]');
		await secretBox.waitFor({ timeout: 15_000 });
		const secret = (await secretBox.innerText()).trim();
		expect(secret).toMatch(/^whsec_/);
		await page.getByText('will not be shown again').waitFor();
		await page.getByText('Python', { exact: true }).waitFor();
		await page.locator('[data-test="copy-secret"]').click();
		expect(await clipboard()).toBe(secret);
		await page.screenshot({ path: join(SCREENSHOTS, 'secret-dialog.png') });
		await page.locator('[data-test="secret-done"]').click();
		await page.waitForURL(/\/admin\/webhooks\/outgoing\/\d+/);

		// The secret is not readable again.
		const stored = await api.get('/webhooks?fields=id,secret');
		expect(JSON.stringify(stored.body)).not.toContain(secret);

		// The receiver holds its answer, so the log first shows the delivery being sent; it then
		// follows it to 'succeeded' by itself, without the refresh button.
		receiver.respond(() => ({ status: 200, body: 'ok', delayMs: 3_000 }));
		const item = await api.post(`/items/${COLLECTION}`, { title: 'from the app test' });
		expect(item.status).toBe(200);
		await receiver.waitFor(1, 20_000);
		const rows = deliveryRows();
		for (let tries = 0; tries < 30 && (await rows.count()) === 0; tries += 1) {
			await page.locator('[data-test="refresh-deliveries"]').click();
			await page.waitForTimeout(500);
		}
		await rows.first().getByText(/pending|sending/).waitFor({ timeout: 2_000 });
		receiver.respond(() => ({ status: 200, body: 'ok' }));
		await rows.first().getByText('succeeded').waitFor({ timeout: 15_000 });
		await page.locator('.legend', { hasText: 'Succeeded 1' }).waitFor();
		await page.screenshot({ path: join(SCREENSHOTS, 'outgoing-detail.png') });
		await rows.first().click();
		await page.locator('[data-test="delivery"]').getByText(/Attempt 1 · 200/).waitFor();
		await page.waitForTimeout(600); // the drawer slides in
		await page.screenshot({ path: join(SCREENSHOTS, 'delivery.png') });
		await page.locator('[data-test="resend"]').click();
		await receiver.waitFor(2, 20_000);
		const [first, second] = receiver.requests;
		expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
		await page.keyboard.press('Escape');
	});

	it('creates an incoming endpoint with live suffix validation, copies its URL, and lists a received request', async () => {
		await visit('/admin/webhooks/incoming', 'No incoming endpoints yet');
		await page.locator('[data-test="create-endpoint"]').click();
		await field('Name').locator('input').fill('Shop orders');
		await field('Suffix').locator('input').fill('shop orders');
		await drawer().getByText(/a space is not allowed/).waitFor();
		await field('Suffix').locator('input').fill('shop/orders');
		await expect(drawer().getByText(/a space is not allowed/).count()).resolves.toBe(0);
		// New endpoints start in the shared inbox.
		await expect.poll(() => drawer().locator('[data-test="storage-picker"] input').first().inputValue()).toBe(TEXTS.storageShared('inbound_requests'));
		await page.screenshot({ path: join(SCREENSHOTS, 'incoming-drawer.png') });
		await page.locator('[data-test="save"]').click();
		await page.waitForURL(/\/admin\/webhooks\/incoming\/\d+/, { timeout: 15_000 });
		expect((await api.get(`/webhooks/endpoints/${page.url().split('/').pop()}`)).body.data.collection).toBe('inbound_requests');

		const url = `${info.url}/webhooks/in/shop/orders`;
		await page.locator('[data-test="endpoint-url"]', { hasText: url }).waitFor();
		await page.locator('[data-test="copy-url"]').click();
		expect(await clipboard()).toBe(url);

		const sent = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order: 'A-1' }) });
		expect(sent.status).toBe(200);
		await page.locator('[data-test="refresh-requests"]').click();
		await page.locator('[data-test="requests"]').getByText('application/json').waitFor({ timeout: 15_000 });
		await page.locator('[data-test="send-test-request"]').click();
		await expect.poll(async () => page.locator('[data-test="requests"] tbody tr, [data-test="requests"] .table-row').count(), { timeout: 15_000 }).toBe(2);
		await page.locator('.legend', { hasText: 'Inbound requests 2' }).waitFor();
		await page.screenshot({ path: join(SCREENSHOTS, 'incoming-detail.png') });

		await visit('/admin/webhooks/incoming', url);
		await page.screenshot({ path: join(SCREENSHOTS, 'incoming-list.png') });
		await visit('/admin/webhooks/outgoing', 'Orders to the warehouse');
		await page.getByText('100%').waitFor();
		await page.screenshot({ path: join(SCREENSHOTS, 'outgoing-list.png') });
	});

	it('adds the activity panel to an Insights dashboard', async () => {
		const dashboard = await api.post('/dashboards', { name: 'Webhooks', icon: 'webhook' });
		expect(dashboard.status).toBe(200);
		await page.goto(`${info.url}/admin/insights/${dashboard.body.data.id}`);
		await page.locator('.header-bar .v-button.edit').click();
		// Directus 12 labels these buttons; Directus 11 shows icons.
		const button = (scope: Page | ReturnType<typeof drawer>, text: string, icon: string) =>
			scope.locator('.header-bar .v-button', { hasText: text }).or(scope.locator(`.header-bar .v-button:has([data-icon="${icon}"])`)).first();
		await button(page, 'Create Panel', 'add').click();
		await drawer().getByText('Webhook activity', { exact: true }).click();
		await button(drawer(), 'Done', 'check').click();
		await button(page, 'Save', 'check').click();
		const panel = page.locator('[data-test="webhooks-activity-panel"]');
		await panel.locator('svg').waitFor({ timeout: 15_000 });
		await panel.getByText(/Succeeded \d+/).waitFor();
		await page.screenshot({ path: join(SCREENSHOTS, 'insights-panel.png') });
		const panels = await api.get(`/panels?filter[dashboard][_eq]=${dashboard.body.data.id}`);
		expect(panels.body.data.map((entry: { type: string }) => entry.type)).toEqual(['webhooks-activity']);
	});

	it('is keyboard reachable: Tab reaches the create button and Enter opens the drawer', async () => {
		await visit('/admin/webhooks/outgoing', 'Orders to the warehouse');
		let reached = false;
		for (let presses = 0; presses < 60 && !reached; presses += 1) {
			await page.keyboard.press('Tab');
			reached = await page.evaluate(() => document.activeElement?.closest('[data-test="create-webhook"]') !== null);
		}
		expect(reached).toBe(true);
		await page.keyboard.press('Enter');
		await drawer().getByText('New outgoing webhook').waitFor();
		await page.keyboard.press('Escape');
	});

	it('follows the dark theme', async () => {
		const me = await api.patch('/users/me', { appearance: 'dark' });
		expect(me.status).toBe(200);
		await visit('/admin/webhooks/outgoing', 'Orders to the warehouse');
		const background = await page.locator('.v-table').first().evaluate((element) => {
			for (let node: Element | null = element; node; node = node.parentElement) {
				const color = getComputedStyle(node).backgroundColor;
				if (color && color !== 'rgba(0, 0, 0, 0)' && color !== 'transparent') return color;
			}
			return getComputedStyle(document.body).backgroundColor;
		});
		const [red, green, blue] = background.match(/\d+/g)!.map(Number);
		expect(0.2126 * red! + 0.7152 * green! + 0.0722 * blue!, background).toBeLessThan(80);
		await page.screenshot({ path: join(SCREENSHOTS, 'outgoing-list-dark.png') });
		await api.patch('/users/me', { appearance: null });
	});

	it('asks for secret header values again when the URL of a webhook changes in the edit drawer', async () => {
		const created = await api.post('/webhooks', {
			name: 'Billing with a token',
			url: receiver.url('/billing'),
			actions: ['create'],
			collections: [COLLECTION],
			headers: [{ header: 'Authorization', value: 'Bearer app-test-token', secret: true }],
		});
		expect(created.status, JSON.stringify(created.body)).toBe(200);
		await visit(`/admin/webhooks/outgoing/${created.body.data.id}`, 'Billing with a token');
		await page.locator('[data-test="edit"]').click();
		await field('URL').locator('input').fill(receiver.url('/elsewhere'));
		await drawer().getByText(/secret header values must be entered again when the URL changes/).waitFor();
		await page.screenshot({ path: join(SCREENSHOTS, 'secret-headers-url.png') });
		await page.locator('[data-test="save"]').click({ force: true });
		await page.waitForTimeout(500);
		expect((await api.get(`/webhooks/${created.body.data.id}`)).body.data.url).toBe(receiver.url('/billing'));
		await page.keyboard.press('Escape');
	});

	it('starts a webhook from the Slack preset: the drawer fills the template and content type, previews the latest item, and creates it with the preset', async () => {
		const latest = await api.post(`/items/${COLLECTION}`, { title: 'Preview "me"' });
		expect(latest.status).toBe(200);
		await visit('/admin/webhooks/outgoing', 'Orders to the warehouse');
		await page.locator('[data-test="create-webhook"]').click();
		await drawer().locator('[data-test="preset-picker"] .v-select, [data-test="preset-picker"] .v-input').first().click();
		await page.locator('.v-menu-content .v-list-item', { hasText: PRESETS.slack.label }).first().click();
		await page.locator('.v-menu-content').waitFor({ state: 'hidden' });
		await expect.poll(() => field('Body Template').innerText()).toContain('"text": "{{ event }} in {{ collection }}');
		expect(await field('Content Type').locator('input').inputValue()).toBe('application/json');
		// Where to get the URL, under the URL field.
		await field('URL').getByText('Apps → Incoming Webhooks').waitFor();
		await field('Name').locator('input').fill('Slack: new items');
		await field('URL').locator('input').fill(receiver.url('/slack-preset'));
		await drawer().getByText(ACTION_LABELS.create, { exact: true }).click();
		await chooseCollection();

		// The same renderer as the server: the item's JSON escaped inside the text, so the body parses.
		const preview = drawer().locator('[data-test="template-preview-body"]');
		await drawer().getByText(`rendered for the latest item of ${COLLECTION}`).waitFor();
		const summary = `${COLLECTION}.items.create in ${COLLECTION} ([${latest.body.data.id}]): `;
		await expect.poll(async () => JSON.parse(await preview.innerText()).text).toContain(summary);
		const text: string = JSON.parse(await preview.innerText()).text;
		expect(JSON.parse(text.slice(summary.length))).toMatchObject({ id: latest.body.data.id, title: 'Preview "me"' });
		// The drawer is taller than the window: a taller one shows the picker and the preview together.
		const tall = { width: 1600, height: 2200 };
		await page.setViewportSize(tall);
		await drawer().locator('[data-test="preset-picker"]').scrollIntoViewIfNeeded();
		const shown = await drawer().locator('[data-test="template-preview"]').boundingBox();
		expect(shown!.y + shown!.height).toBeLessThan(tall.height);
		await page.screenshot({ path: join(SCREENSHOTS, 'outgoing-drawer-preset.png') });
		await page.setViewportSize({ width: 1600, height: 900 });

		// Everything the preset filled stays editable; a debounce switches the preview to the batch shape,
		// and the rule across the two debounce fields is checked while typing.
		await field('Debounce Seconds').locator('input').fill('10');
		await expect.poll(() => preview.innerText()).toContain('webhook.batch in');
		await field('Debounce Max Seconds').locator('input').fill('5');
		const tooShort = drawer().getByText('debounce_max_seconds: must be at least debounce_seconds');
		await tooShort.waitFor();
		await field('Debounce Max Seconds').locator('input').fill('');
		await tooShort.waitFor({ state: 'detached' });
		await field('Debounce Seconds').locator('input').fill('0');
		await expect.poll(() => preview.innerText()).toContain(`${COLLECTION}.items.create`);

		await page.locator('[data-test="save"]').click();
		await page.locator('[data-test="secret"]').waitFor({ timeout: 15_000 });
		await page.locator('[data-test="secret-done"]').click();
		await page.waitForURL(/\/admin\/webhooks\/outgoing\/\d+/);
		const id = page.url().split('/').pop();
		const created = (await api.get(`/webhooks/${id}`)).body.data;
		expect(created).toMatchObject({ name: 'Slack: new items', preset: 'slack', content_type: 'application/json', body_template: PRESETS.slack.fields.body_template, debounce_seconds: 0, debounce_max_seconds: null });
	});

	it('sends a webhook now from its page: the receiver gets a signed webhook.manual request and the page lists the delivery', async () => {
		const path = '/send-now';
		const created = await api.post('/webhooks', { name: 'Sent by hand', url: receiver.url(path), actions: ['update'], collections: [COLLECTION] });
		expect(created.status, JSON.stringify(created.body)).toBe(200);
		const hook = created.body.data;
		await visit(`/admin/webhooks/outgoing/${hook.id}`, 'Sent by hand');
		await page.getByText('No deliveries yet').waitFor();
		const button = page.locator('[data-test="send-now"]');
		await expect.poll(() => button.innerText()).toContain('Send now');
		await button.click();
		await page.getByText('Queued: sending now').waitFor();

		await expect.poll(() => receivedAt(receiver, path).length, { timeout: 20_000 }).toBe(1);
		const [request] = receivedAt(receiver, path);
		const body = new StandardWebhook(hook.secret).verify(request!.body, request!.headers as Record<string, string>);
		expect(body).toMatchObject({ event: 'webhook.manual', webhook: { id: hook.id, name: 'Sent by hand' } });
		await deliveryRows().filter({ hasText: 'webhook.manual' }).getByText('succeeded').waitFor({ timeout: 15_000 });

		// An inactive webhook's send would only be skipped: the button is off (and the API refuses).
		expect((await api.patch(`/webhooks/${hook.id}`, { status: 'inactive' })).status).toBe(200);
		await visit(`/admin/webhooks/outgoing/${hook.id}`, 'Sent by hand');
		// v-button puts the attributes on its wrapper: the <button> inside is what a click reaches.
		await expect.poll(() => button.locator('xpath=descendant-or-self::button').first().isDisabled()).toBe(true);
		expect((await api.patch(`/webhooks/${hook.id}`, { status: 'active' })).status).toBe(200);
	});

	it('shows a debounced build hook\'s burst of edits as one webhook.batch delivery, which opens with the batch it sent', async () => {
		const path = '/debounced';
		const created = await api.post('/webhooks', {
			name: 'Site build', preset: 'netlify', url: receiver.url(path), actions: ['create', 'update'], collections: [COLLECTION], debounce_seconds: 2,
		});
		expect(created.status, JSON.stringify(created.body)).toBe(200);
		const items = await api.post(`/items/${COLLECTION}`, Array.from({ length: 12 }, (_, index) => ({ title: `imported ${index}` })));
		expect(items.status).toBe(200);
		const keys = items.body.data.map((item: { id: number }) => item.id);
		expect((await api.patch(`/items/${COLLECTION}`, { keys: keys.slice(0, 3), data: { title: 'edited' } })).status).toBe(200);
		await expect.poll(() => receivedAt(receiver, path).length, { timeout: 20_000 }).toBe(1);
		expect(JSON.parse(receivedAt(receiver, path)[0]!.body)).toMatchObject({ event: 'webhook.batch', count: 15 });

		await visit(`/admin/webhooks/outgoing/${created.body.data.id}`, 'Site build');
		const row = deliveryRows().filter({ hasText: 'webhook.batch' });
		await row.getByText('succeeded').waitFor({ timeout: 15_000 });
		expect(await deliveryRows().count()).toBe(1);
		await row.click();
		const delivery = page.locator('[data-test="delivery"]');
		await delivery.getByText(/Attempt 1 · 200/).waitFor();
		await delivery.getByText(/"count": ?15/).first().waitFor();
		await page.waitForTimeout(600); // the drawer slides in
		await page.screenshot({ path: join(SCREENSHOTS, 'delivery-debounced.png') });
		await page.keyboard.press('Escape');
	});

	it('labels the button of a build hook "Deploy now", on its page and on its row, where it deploys without opening the webhook', async () => {
		const path = '/netlify';
		const created = await api.post('/webhooks', { name: 'Netlify site', preset: 'netlify', url: receiver.url(path), actions: ['update'], collections: [COLLECTION] });
		expect(created.status, JSON.stringify(created.body)).toBe(200);
		await visit(`/admin/webhooks/outgoing/${created.body.data.id}`, 'Netlify site');
		await expect.poll(() => page.locator('[data-test="send-now"]').innerText()).toContain('Deploy now');

		await visit('/admin/webhooks/outgoing', 'Netlify site');
		const rowButton = (name: string) => page.locator('tr, .table-row', { hasText: name }).locator('[data-test="send-now"]');
		// On a row the button is an icon (its label is a tooltip, which Directus 11 shows differently).
		await rowButton('Sent by hand').locator('[data-icon="send"]').waitFor();
		await rowButton('Netlify site').locator('[data-icon="rocket_launch"]').waitFor();
		await rowButton('Netlify site').click();
		await page.getByText('Queued: sending now').waitFor();
		await expect.poll(() => receivedAt(receiver, path).length, { timeout: 20_000 }).toBe(1);
		expect(JSON.parse(receivedAt(receiver, path)[0]!.body)).toMatchObject({ event: 'webhook.manual' });
		expect(page.url()).toMatch(/\/admin\/webhooks\/outgoing$/);
	});

	/** Opens the create drawer with a name and URL filled in; returns a picker of its "When" choice. */
	async function newWebhookDrawer(name: string, url: string): Promise<(label: string) => Promise<void>> {
		await visit('/admin/webhooks/outgoing', 'Outgoing');
		await page.locator('[data-test="create-webhook"]').click();
		await field('Name').locator('input').fill(name);
		await field('URL').locator('input').fill(url);
		return async (label: string) => {
			await drawer().locator('[data-test="trigger-picker"]').locator('.v-select, .v-input').first().click();
			await page.locator('.v-menu-content .v-list-item', { hasText: label }).first().click();
			await page.locator('.v-menu-content').waitFor({ state: 'hidden' });
		};
	}

	it('creates an endpoint with a collection of its own when "Own collection" is picked instead of the shared inbox', async () => {
		await visit('/admin/webhooks/incoming', 'Incoming');
		await page.locator('[data-test="create-endpoint"]').click();
		await field('Name').locator('input').fill('Billing events');
		await field('Suffix').locator('input').fill('billing/events');
		await drawer().locator('[data-test="storage-picker"]').locator('.v-select, .v-input').first().click();
		await page.locator('.v-menu-content .v-list-item', { hasText: TEXTS.storageOwn }).first().click();
		await page.locator('.v-menu-content').waitFor({ state: 'hidden' });
		await page.locator('[data-test="save"]').click();
		await page.waitForURL(/\/admin\/webhooks\/incoming\/\d+/, { timeout: 15_000 });
		expect((await api.get(`/webhooks/endpoints/${page.url().split('/').pop()}`)).body.data.collection).toBe('inbound_billing_events');
	});

	it('picks what a webhook waits for in words: "File uploaded" and then "New user registered" fill the actions, collections and filter it is saved with', async () => {
		const pick = await newWebhookDrawer('Sign-ups to the CRM', receiver.url('/sign-ups'));
		const when = drawer().locator('[data-test="trigger-picker"]');
		// The actions read as words, the new ones included.
		for (const label of Object.values(ACTION_LABELS)) await field('Actions').getByText(label, { exact: true }).waitFor();
		// A select shows its choice as the value of its input.
		const shown = () => when.locator('input').first().inputValue();
		const checked = (label: string) => field('Actions').locator('.v-checkbox', { hasText: label }).first().getAttribute('class');

		await pick(TRIGGERS['file-uploaded'].label);
		await expect.poll(() => checked(ACTION_LABELS.upload)).toContain('checked');
		// The choice shows what the fields now make: collections included.
		await expect.poll(shown).toBe(TRIGGERS['file-uploaded'].label);
		await pick(TRIGGERS['user-registered'].label);
		await expect.poll(() => checked(ACTION_LABELS.create)).toContain('checked');
		expect(await checked(ACTION_LABELS.upload)).not.toContain('checked');
		await expect.poll(() => field('Filter').innerText()).toContain('invited');
		await expect.poll(shown).toBe(TRIGGERS['user-registered'].label);
		await page.screenshot({ path: join(SCREENSHOTS, 'outgoing-drawer-when.png') });

		await page.locator('[data-test="save"]').click();
		await page.locator('[data-test="secret"]').waitFor({ timeout: 15_000 });
		await page.locator('[data-test="secret-done"]').click();
		await page.waitForURL(/\/admin\/webhooks\/outgoing\/\d+/);
		const created = (await api.get(`/webhooks/${page.url().split('/').pop()}`)).body.data;
		expect(created).toMatchObject({ name: 'Sign-ups to the CRM', actions: ['create'], collections: ['directus_users'], filter: NEW_USER_FILTER });
	});

	it('picks "Webhook alerts" as what a webhook waits for, and saves it with the alert action on the outgoing webhooks', async () => {
		const pick = await newWebhookDrawer('Alerts to chat', receiver.url('/alerts-chat'));
		await pick(TRIGGERS['webhook-alerts'].label);
		await expect.poll(() => field('Actions').locator('.v-checkbox', { hasText: ACTION_LABELS.alert }).first().getAttribute('class')).toContain('checked');
		// The collection is named in words, though it is no source of item events.
		await expect.poll(() => field('Collections').locator('input').first().inputValue()).toContain(TEXTS.alertsSource);

		await page.locator('[data-test="save"]').click();
		await page.locator('[data-test="secret"]').waitFor({ timeout: 15_000 });
		await page.locator('[data-test="secret-done"]').click();
		await page.waitForURL(/\/admin\/webhooks\/outgoing\/\d+/);
		const created = (await api.get(`/webhooks/${page.url().split('/').pop()}`)).body.data;
		expect(created).toMatchObject({ name: 'Alerts to chat', actions: ['alert'], collections: ['webhooks_outgoing'] });
		await api.patch(`/webhooks/${created.id}`, { status: 'inactive' });
	});

	it('fills both filters from "When a field changes from … to …": a status going from draft to published', async () => {
		const choices = [{ text: 'Draft', value: 'draft' }, { text: 'Published', value: 'published' }];
		const status = await api.post(`/fields/${COLLECTION}`, { field: 'status', type: 'string', meta: { interface: 'select-dropdown', options: { choices } } });
		expect(status.status, JSON.stringify(status.body)).toBe(200);
		await visit('/admin/webhooks/outgoing', 'Orders to the warehouse');
		await page.locator('[data-test="create-webhook"]').click();
		await field('Name').locator('input').fill('Articles published');
		await field('URL').locator('input').fill(receiver.url('/published'));
		await drawer().getByText(ACTION_LABELS.update, { exact: true }).click();
		const helper = drawer().locator('[data-test="transition-helper"]');
		await helper.getByText('Choose a collection first.').waitFor();
		await chooseCollection();
		await helper.scrollIntoViewIfNeeded();
		const pick = async (part: string, text: string) => {
			await helper.locator(`[data-test="transition-${part}"] .v-input`).first().click();
			await page.locator('.v-menu-content .v-list-item', { hasText: text }).first().click();
			await page.locator('.v-menu-content').waitFor({ state: 'hidden' });
		};
		await pick('field', 'Status');
		await pick('from', 'Draft');
		await pick('to', 'Published');
		await helper.locator('[data-test="transition-fill"]').click();
		// "From" above "to": Previous Filter shows right above Filter.
		await expect.poll(() => field('Previous Filter').innerText()).toMatch(/"status"[\s\S]*"_eq": "draft"/);
		await expect.poll(() => field('Filter').innerText()).toMatch(/"status"[\s\S]*"_eq": "published"/);
		const [previousBox, filterBox] = [await field('Previous Filter').boundingBox(), await field('Filter').boundingBox()];
		expect(previousBox!.y).toBeLessThan(filterBox!.y);
		await helper.scrollIntoViewIfNeeded();
		await page.screenshot({ path: join(SCREENSHOTS, 'outgoing-drawer-transition.png') });

		await page.locator('[data-test="save"]').click();
		await page.locator('[data-test="secret"]').waitFor({ timeout: 15_000 });
		await page.locator('[data-test="secret-done"]').click();
		await page.waitForURL(/\/admin\/webhooks\/outgoing\/\d+/);
		const created = (await api.get(`/webhooks/${page.url().split('/').pop()}`)).body.data;
		expect(created).toMatchObject({ actions: ['update'], previous_filter: { status: { _eq: 'draft' } }, filter: { status: { _eq: 'published' } } });
	});

	it('sets a rate limit and ordered delivery in the drawer\'s Delivery section, checking the limit while typing', async () => {
		await visit('/admin/webhooks/outgoing', 'Orders to the warehouse');
		await page.locator('[data-test="create-webhook"]').click();
		await field('Name').locator('input').fill('Rate-limited and ordered');
		await field('URL').locator('input').fill(receiver.url('/delivery-section'));
		await drawer().getByText(ACTION_LABELS.update, { exact: true }).click();
		await chooseCollection();
		await drawer().getByText('Delivery', { exact: true }).first().waitFor();
		const limit = field('Rate Limit Per Second').locator('input');
		await limit.fill('0');
		const refused = drawer().getByText(/^rate_limit_per_second: must be a whole number of requests per second from 1 to 10000/);
		await refused.waitFor();
		await limit.fill('5');
		await refused.waitFor({ state: 'detached' });
		await field('Ordered').getByText('One at a time per item').click();
		await page.locator('[data-test="save"]').click();
		await page.locator('[data-test="secret"]').waitFor({ timeout: 15_000 });
		await page.locator('[data-test="secret-done"]').click();
		await page.waitForURL(/\/admin\/webhooks\/outgoing\/\d+/);
		const id = page.url().split('/').pop();
		expect((await api.get(`/webhooks/${id}`)).body.data).toMatchObject({ name: 'Rate-limited and ordered', rate_limit_per_second: 5, ordered: true });
		await api.patch(`/webhooks/${id}`, { status: 'inactive' });
	});

	it('left no errors in the browser console', () => {
		expect(errors).toEqual([]);
	});
});
