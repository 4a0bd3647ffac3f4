// What a new user meets first, walked in a real browser against the harness's Directus (issue 22,
// items D14-D20): the secret dialog's samples really verify a delivery, the drawers default and warn
// as they should, a disabled webhook can be enabled from its page, a Data Studio webhook shows its
// secret once. The HTTP-level checks of the same items run on every database without the browser.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { samplesFor } from '../../extensions/src/shared/verification-samples.ts';
import { ACTION_LABELS } from '../../extensions/src/shared/webhook-actions.ts';
import { dismissStartupDialogs, hasChromium, launchBrowser, logIn, screenshotsDir } from '../harness/browser.ts';
import { ApiClient } from '../harness/client.ts';
import { Receiver, type ReceivedRequest } from '../harness/receiver.ts';
import { runSample, type Delivery } from '../harness/sample-runner.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const SCREENSHOTS = screenshotsDir(info.dataDir);
const COLLECTION = 'e2e_newcomer_items';
const hasPhp = (() => {
	try {
		execFileSync('php', ['--version'], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
})();
let receiver: Receiver;

beforeAll(async () => {
	receiver = await Receiver.start();
	await api.createCollection(COLLECTION, { title: 'string' });
});

afterAll(async () => {
	await receiver?.close();
	await api.deleteEverything(COLLECTION);
});

const tag = () => randomBytes(3).toString('hex');

function asDelivery(request: ReceivedRequest): Delivery {
	return { headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)])), body: request.body };
}

/** A webhook on COLLECTION aimed at the receiver, created through /webhooks (which returns its secret). */
async function createWebhook(path: string, overrides: Record<string, unknown> = {}) {
	const response = await api.post('/webhooks', { name: `newcomer ${tag()}`, url: receiver.url(path), actions: ['create'], collections: [COLLECTION], ...overrides });
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	return response.body.data as { id: number; secret: string };
}

describe('what a new user meets, at the HTTP level', () => {
	it('names the real reason when a webhook watches one of the extension\'s own collections', async () => {
		const response = await api.post('/webhooks', { name: 'own', url: receiver.url('/own'), actions: ['create'], collections: ['webhooks_deliveries', COLLECTION, 'webhooks_attempts'] });
		expect(response.status).toBe(400);
		const message = response.body.errors[0].message as string;
		expect(message).toContain('collections: "webhooks_deliveries", "webhooks_attempts" belong to this extension and cannot be a webhook source');
		expect(message).not.toContain('unknown collection');
	});

	it('answers every bad field of an endpoint at once, a taken suffix included', async () => {
		const suffix = `taken-${tag()}`;
		expect((await api.post('/webhooks/endpoints', { name: 'first', suffix })).status).toBe(200);
		const response = await api.post('/webhooks/endpoints', { name: '', suffix, methods: ['BREW'], max_body_bytes: -1 });
		expect(response.status).toBe(400);
		const fields = (response.body.errors[0].extensions.errors as { field: string }[]).map((error) => error.field).sort();
		expect(fields).toEqual(['max_body_bytes', 'methods', 'name', 'suffix']);
		expect(response.body.errors[0].message).toContain(`suffix: "${suffix}" is already used by another endpoint`);

		const other = await api.post('/webhooks/endpoints', { name: 'second', suffix: `other-${tag()}` });
		const update = await api.patch(`/webhooks/endpoints/${other.body.data.id}`, { suffix, methods: ['BREW'] });
		expect(update.status).toBe(400);
		expect((update.body.errors[0].extensions.errors as { field: string }[]).map((error) => error.field).sort()).toEqual(['methods', 'suffix']);
	});

	it('accepts an API key as Authorization: Bearer whatever header or query parameter is configured, and nothing else', async () => {
		for (const auth_config of [{ header: 'x-shop-key' }, { query: 'key' }, { header: 'authorization' }]) {
			const suffix = `key-${tag()}`;
			const created = await api.post('/webhooks/endpoints', { name: 'key', suffix, auth: 'api_key', auth_config });
			expect(created.status, JSON.stringify(created.body)).toBe(200);
			const key = created.body.data.secret as string;
			const url = `${info.url}/webhooks/in/${suffix}`;
			const send = (headers: Record<string, string>, query = '') => fetch(`${url}${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' }).then((response) => response.status);
			expect(await send({ authorization: `Bearer ${key}` }), JSON.stringify(auth_config)).toBe(200);
			expect(await send({ authorization: `bearer ${key}` }), JSON.stringify(auth_config)).toBe(200);
			expect(await send({ authorization: `Bearer ${key}x` }), JSON.stringify(auth_config)).toBe(401);
			expect(await send({ authorization: key }), JSON.stringify(auth_config)).toBe(auth_config.header === 'authorization' ? 200 : 401);
			expect(await send({}), JSON.stringify(auth_config)).toBe(401);
			if ('query' in auth_config) expect(await send({}, `?key=${key}`)).toBe(200);
			else expect(await send({ [auth_config.header]: key })).toBe(200);
		}
	});

	it('counts a delivery that failed and is being retried as a failure in the 24 h success rate', async () => {
		receiver.respond((request) => (request.path === '/retrying' ? { status: 500, body: 'down' } : { status: 200, body: 'ok' }));
		const hook = await createWebhook('/retrying');
		await api.post(`/items/${COLLECTION}`, { title: 'will fail' });
		await until(() => api.get(`/webhooks/${hook.id}/deliveries`), (response) => response.body.data?.[0]?.attempts >= 1 && response.body.data[0].status === 'pending');
		const summary = await api.get('/webhooks/stats/summary');
		const mine = summary.body.data.find((row: { webhook: number }) => row.webhook === hook.id);
		expect(mine).toMatchObject({ deliveries_24h: 1, success_rate_24h: 0 });
		await api.patch(`/webhooks/${hook.id}`, { status: 'inactive' });
		receiver.respond(() => ({ status: 200, body: 'ok' }));
	});

	it('reveals a Data Studio webhook\'s generated secret once, to its creator, and to no one else', async () => {
		// /items is what the Data Studio's Create Item calls.
		const created = await api.post(`/items/webhooks_outgoing`, { name: `studio ${tag()}`, url: receiver.url('/studio-api'), actions: ['create'], collections: [COLLECTION] });
		expect(created.status, JSON.stringify(created.body)).toBe(200);
		const id = created.body.data.id as number;
		expect(JSON.stringify(created.body)).not.toMatch(/whsec_/);

		// A user who may not read the webhook gets nothing, and does not use up the reveal.
		const outsiderToken = randomBytes(24).toString('hex');
		const role = await api.post('/roles', { name: `outsider ${tag()}` });
		const user = await api.post('/users', { email: `outsider-${tag()}@example.com`, password: randomBytes(12).toString('hex'), role: role.body.data.id, token: outsiderToken });
		expect(user.status, JSON.stringify(user.body)).toBe(200);
		const outsider = new ApiClient(info.url, outsiderToken);
		const refused = await outsider.post(`/webhooks/${id}/reveal-secret`);
		expect(refused.status).toBe(403);
		expect(JSON.stringify(refused.body)).not.toMatch(/whsec_/);

		// Setting the mark by hand is refused (it would let a delegate claim anyone's secret).
		const forged = await api.patch(`/items/webhooks_outgoing/${id}`, { secret_unseen: user.body.data.id });
		expect(forged.status).toBe(400);
		expect(forged.body.errors[0].message).toContain('secret_unseen: is read-only');

		const revealed = await api.post(`/webhooks/${id}/reveal-secret`);
		expect(revealed.status).toBe(200);
		const secret = revealed.body.data.secret as string;
		expect(secret).toMatch(/^whsec_/);
		const again = await api.post(`/webhooks/${id}/reveal-secret`);
		expect(again.status).toBe(409);
		expect(JSON.stringify(again.body)).not.toContain(secret);

		// It is the secret deliveries are signed with.
		const before = receiver.requests.length;
		await api.post(`/items/${COLLECTION}`, { title: 'signed' });
		await until(async () => receiver.requests.filter((request) => request.path === '/studio-api').length, (count) => count >= 1);
		const request = receiver.requests.slice(before).find((entry) => entry.path === '/studio-api')!;
		const delivery = asDelivery(request);
		expect(() => new StandardWebhook(secret).verify(delivery.body, delivery.headers)).not.toThrow();

		// A webhook created through /webhooks got its secret in the response: nothing to reveal.
		const direct = await createWebhook('/direct');
		expect((await api.post(`/webhooks/${direct.id}/reveal-secret`)).status).toBe(409);
		await api.patch(`/webhooks/${id}`, { status: 'inactive' });
		await api.delete(`/users/${user.body.data.id}`);
		await api.delete(`/roles/${role.body.data.id}`);
	});
});

describe.skipIf(!hasChromium)('what a new user meets, in the app', () => {
	let browser: Browser;
	let page: Page;
	const errors: string[] = [];
	/** The delivery the samples verify, and the secret from the dialog. */
	let shown: { secret: string; samples: { language: string; code: string }[] } | null = null;
	let delivered: Delivery | null = null;

	beforeAll(async () => {
		browser = await launchBrowser();
		const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
		page = await context.newPage();
		await logIn(page, info.url);
		page.on('pageerror', (error) => errors.push(error.message));
	});

	afterAll(async () => {
		await browser?.close();
	});

	const drawer = () => page.locator('.v-drawer').last();
	const field = (label: string) => drawer().locator('.field', { has: page.locator('.field-label, .label, .type-label', { hasText: new RegExp(`^\\s*${label}\\s*\\*?\\s*$`) }) }).first();
	async function visit(path: string, text: string | RegExp): Promise<void> {
		await page.goto(`${info.url}${path}`);
		await page.getByText(text).first().waitFor();
		await page.locator('.hydrating').waitFor({ state: 'hidden' });
		// Directus 12 asks for a license key again after a reload.
		await dismissStartupDialogs(page);
	}

	async function pickCollection(): Promise<string[]> {
		await field('Collections').locator('.v-input, .v-select').first().click();
		const offered = (await page.locator('.v-menu-content .v-list-item').allInnerTexts()).map((text) => text.trim());
		await page.locator('.v-menu-content input').fill('newcomer');
		await page.locator('.v-menu-content .v-list-item', { hasText: /e2e.?newcomer.?items/i }).first().click();
		await page.keyboard.press('Escape');
		return offered;
	}

	it('warns while a loopback receiver is typed, naming the setting that admits it, and offers only collections the server accepts', async () => {
		await visit('/admin/webhooks/outgoing', /No outgoing webhooks yet|Outgoing/);
		await page.locator('[data-test="create-webhook"]').click();
		await field('Name').locator('input').fill('Loopback');
		await field('URL').locator('input').fill('https://hooks.example.com/in');
		await drawer().getByText(ACTION_LABELS.create, { exact: true }).click();
		const offered = await pickCollection();
		expect(offered).toEqual(expect.arrayContaining(['Incoming endpoints']));
		expect(offered.filter((text) => ['Outgoing webhooks', 'Deliveries', 'Delivery attempts', 'Webhooks'].includes(text))).toEqual([]);
		await expect(drawer().locator('[data-test="advice"]').count()).resolves.toBe(0);
		await field('URL').locator('input').fill(receiver.url('/loopback'));
		const advice = drawer().locator('[data-test="advice"]');
		await advice.waitFor({ timeout: 5_000 });
		expect(await advice.innerText()).toContain('127.0.0.1 is a loopback address');
		expect(await advice.innerText()).toContain('WEBHOOKS_IP_ALLOW_LIST');
		await field('URL').locator('input').fill('http://[::1]:8080/in');
		await drawer().getByText(/::1 is a loopback address/).waitFor();
		await field('URL').locator('input').fill('http://192.168.1.20/in');
		await drawer().getByText(/192\.168\.1\.20 is a private address/).waitFor();
		await page.screenshot({ path: join(SCREENSHOTS, 'outgoing-drawer-loopback.png') });
		await page.keyboard.press('Escape');
	});

	it('shows the verification samples as the shared text builds them, with the real secret', async () => {
		await visit('/admin/webhooks/outgoing', /No outgoing webhooks yet|Outgoing/);
		await page.locator('[data-test="create-webhook"]').click();
		await field('Name').locator('input').fill('Samples that run');
		await field('URL').locator('input').fill(receiver.url('/samples'));
		await drawer().getByText(ACTION_LABELS.create, { exact: true }).click();
		await pickCollection();
		await page.locator('[data-test="save"]').click();

		const secretBox = page.locator('[data-test="secret"]');
		await secretBox.waitFor({ timeout: 15_000 });
		const secret = (await secretBox.innerText()).trim();
		const samples: { language: string; code: string }[] = [];
		for (const expected of samplesFor(secret)) {
			await page.locator(`[data-test="sample-${expected.language}"]`).click();
			const code = await page.locator('[data-test="sample"]').innerText();
			samples.push({ language: expected.language, code });
			expect(code).toBe(expected.code);
		}
		shown = { secret, samples };
		await page.locator('[data-test="secret-done"]').click();
		await page.waitForURL(/\/admin\/webhooks\/outgoing\/\d+/);

		await api.post(`/items/${COLLECTION}`, { title: 'verify me' });
		await until(async () => receiver.requests.filter((request) => request.path === '/samples'), (found) => found.length >= 1);
		delivered = asDelivery(receiver.requests.find((request) => request.path === '/samples')!);
	});

	const tampered = (delivery: Delivery): Delivery => ({ ...delivery, body: delivery.body.replace('verify me', 'verify mE') });

	for (const language of ['Node.js', 'Python']) {
		it(`runs the ${language} sample as shown: it verifies the real delivery and refuses a tampered body`, async () => {
			const sample = shown!.samples.find((entry) => entry.language === language)!;
			const good = await runSample(language, sample.code, delivered!);
			expect(good.exitCode, good.output).toBe(0);
			const bad = await runSample(language, sample.code, tampered(delivered!));
			expect(bad.exitCode, bad.output).not.toBe(0);
		});
	}

	it.skipIf(!hasPhp)('runs the PHP sample as shown (skipped: php is not installed on this machine)', async () => {
		const sample = shown!.samples.find((entry) => entry.language === 'PHP')!;
		expect((await runSample('PHP', sample.code, delivered!)).exitCode).toBe(0);
		expect((await runSample('PHP', sample.code, tampered(delivered!))).exitCode).not.toBe(0);
	});

	it('shows a webhook disabled by the server while its page is open, and enables it again from there', async () => {
		const hook = await createWebhook('/gone');
		await visit(`/admin/webhooks/outgoing/${hook.id}`, 'Deliveries');
		await page.locator('[data-test="webhook-status"]', { hasText: 'active' }).waitFor();
		receiver.respond((request) => (request.path === '/gone' ? { status: 410, body: 'gone' } : { status: 200, body: 'ok' }));
		await api.post(`/items/${COLLECTION}`, { title: 'to a receiver that is gone' });
		await until(() => api.get(`/webhooks/${hook.id}?fields=status`), (response) => response.body.data.status === 'inactive');
		// No reload: the open page follows the webhook itself.
		await page.locator('[data-test="webhook-status"]', { hasText: 'inactive' }).waitFor({ timeout: 8_000 });
		await page.locator('[data-test="disabled"]').getByText(/Disabled automatically:.*410/).waitFor();
		await page.locator('[data-test="deliveries"]').getByText('failed').first().waitFor({ timeout: 5_000 });
		const enable = page.locator('[data-test="enable"]');
		await enable.waitFor();
		await page.screenshot({ path: join(SCREENSHOTS, 'outgoing-disabled.png') });
		receiver.respond(() => ({ status: 200, body: 'ok' }));
		await enable.click();
		await page.locator('[data-test="webhook-status"]', { hasText: /^\s*active\s*$/ }).waitFor();
		await expect(page.locator('[data-test="disabled"]').count()).resolves.toBe(0);
		const stored = await api.get(`/webhooks/${hook.id}?fields=status,disabled_reason`);
		expect(stored.body.data).toEqual({ status: 'active', disabled_reason: null });
		await api.patch(`/webhooks/${hook.id}`, { status: 'inactive' });
	});

	it('sends a Data Studio webhook to the module, which shows its secret on the first visit only', async () => {
		const created = await api.post('/items/webhooks_outgoing', { name: `studio ui ${tag()}`, url: receiver.url('/studio-ui'), actions: ['create'], collections: [COLLECTION] });
		const id = created.body.data.id as number;
		await visit(`/admin/content/webhooks_outgoing/${id}`, 'Open in the Webhooks module');
		await page.getByText('Open in the Webhooks module').first().click();
		await page.waitForURL(new RegExp(`/admin/webhooks/outgoing/${id}$`));
		const secretBox = page.locator('[data-test="secret"]');
		await secretBox.waitFor({ timeout: 15_000 });
		await page.getByText('created in the Data Studio').waitFor();
		const secret = (await secretBox.innerText()).trim();
		expect(secret).toMatch(/^whsec_/);
		await page.screenshot({ path: join(SCREENSHOTS, 'secret-dialog-data-studio.png') });
		await page.locator('[data-test="secret-done"]').click();

		const before = receiver.requests.length;
		await api.post(`/items/${COLLECTION}`, { title: 'studio delivery' });
		await until(async () => receiver.requests.slice(before).filter((request) => request.path === '/studio-ui').length, (count) => count >= 1);
		const delivery = asDelivery(receiver.requests.slice(before).find((request) => request.path === '/studio-ui')!);
		expect(() => new StandardWebhook(secret).verify(delivery.body, delivery.headers)).not.toThrow();

		await visit(`/admin/webhooks/outgoing/${id}`, 'Deliveries');
		await page.waitForTimeout(1_000);
		await expect(page.locator('[data-test="secret"]').count()).resolves.toBe(0);
		await api.patch(`/webhooks/${id}`, { status: 'inactive' });
	});

	it('checks POST in a new endpoint\'s Methods, gives api_key form fields, and shows a request without a stray separator', async () => {
		await visit('/admin/webhooks/incoming', /No incoming endpoints yet|Incoming/);
		await page.locator('[data-test="create-endpoint"]').click();
		const post = field('Methods').locator('.v-checkbox', { hasText: 'POST' });
		await post.locator('[data-icon="check_box"]').waitFor();
		await expect(field('Methods').locator('[data-icon="check_box"]').count()).resolves.toBe(1);
		await field('Name').locator('input').fill('Keyed');
		const suffix = `keyed-${tag()}`;
		await field('Suffix').locator('input').fill(suffix);
		await field('Auth').locator('.v-input, .v-select').first().click();
		await page.locator('.v-menu-content .v-list-item', { hasText: /^\s*api_key\s*$/ }).click();
		const keyFields = drawer().locator('[data-test="api-key-config"]');
		await keyFields.waitFor();
		await expect(keyFields.locator('[data-test="api-key-name"] input').inputValue()).resolves.toBe('x-api-key');
		await keyFields.locator('[data-test="api-key-name"] input').fill('x-shop-key');
		await expect(field('Auth Config').count()).resolves.toBe(0);
		await page.screenshot({ path: join(SCREENSHOTS, 'incoming-drawer-api-key.png') });
		await page.locator('[data-test="save"]').click();
		await page.locator('[data-test="secret"]').waitFor({ timeout: 15_000 });
		const key = (await page.locator('[data-test="secret"]').innerText()).trim();
		await page.locator('[data-test="secret-done"]').click();
		await page.waitForURL(/\/admin\/webhooks\/incoming\/\d+/, { timeout: 15_000 });

		const listed = await api.get(`/webhooks/endpoints?filter[suffix][_eq]=${suffix}`);
		expect(listed.body.data[0]).toMatchObject({ methods: ['POST'], auth: 'api_key', auth_config: { header: 'x-shop-key' } });
		const sent = await fetch(`${info.url}/webhooks/in/${suffix}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-shop-key': key }, body: '{"n":1}' });
		expect(sent.status).toBe(200);

		await page.locator('[data-test="refresh-requests"]').click();
		const rows = page.locator('[data-test="requests"] tbody tr, [data-test="requests"] .table-row');
		await rows.first().waitFor({ timeout: 15_000 });
		await rows.first().click();
		const summary = page.locator('[data-test="request-summary"]');
		await summary.waitFor();
		const text = (await summary.innerText()).trim();
		expect(text).toMatch(/^application\/json · \S+$/);
		expect(text).not.toMatch(/·\s*$/);
		await page.keyboard.press('Escape');
	});

	it('left no errors in the page', () => {
		expect(errors).toEqual([]);
	});
});
