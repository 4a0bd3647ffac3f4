// What an inbound endpoint answers with, as an attacker would use it: the answer is served from the
// Directus origin, so it must never be active content there (a real browser proves scripts in it do
// not run, whatever an old row in the database says), and a replayed delivery id gets the answer the
// original request got, not a fresh render that shows the stored row to whoever knows the id.
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { hasChromium, launchBrowser } from '../harness/browser.ts';
import { ApiClient } from '../harness/client.ts';
import { connect } from '../harness/databases.ts';
import { until } from '../harness/wait.ts';

const info = inject('directus');
const api = new ApiClient(info.url, info.token);
const created: number[] = [];
/** An endpoint callers must hold the key for: replays of it get the original body. */
const KEYED = { auth: 'api_key', auth_config: { header: 'X-Key' } };
const SANDBOX = /^default-src 'none'; sandbox; frame-ancestors 'none'$/;

async function createEndpoint(overrides: Record<string, unknown> = {}) {
	const tag = randomBytes(4).toString('hex');
	const response = await api.post('/webhooks/endpoints', { name: `responses ${tag}`, suffix: `responses/${tag}`, ...overrides });
	expect(response.status, JSON.stringify(response.body)).toBe(200);
	created.push(response.body.data.id);
	return response.body.data as { id: number; url: string; suffix: string; collection: string; secret?: string };
}

async function call(url: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
	const response = await fetch(url, { method: options.method ?? 'POST', body: options.body, headers: options.headers });
	return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Writes config straight into the endpoints table, as an install from before these rules would hold it. */
async function forceConfig(id: number, values: Record<string, unknown>): Promise<void> {
	const db = connect({ kind: info.kind, name: info.database, env: {} });
	try {
		await db('webhooks_endpoints').where({ id }).update(values);
	} finally {
		await db.destroy();
	}
}

afterEach(async () => {
	for (const id of created.splice(0)) await api.delete(`/webhooks/endpoints/${id}?drop_collection=true`);
});

describe('inbound responses are never active content on the Directus origin', () => {
	it('refuses active response types and security headers in config, naming every bad entry at once', async () => {
		const tag = randomBytes(4).toString('hex');
		const refused = ['Set-Cookie', 'Refresh', 'Location', 'Link', 'Content-Security-Policy-Report-Only', 'X-Content-Type-Options', 'Access-Control-Allow-Origin', 'Cross-Origin-Opener-Policy', 'Strict-Transport-Security', 'X-Frame-Options', 'Clear-Site-Data', 'Content-Disposition', 'Service-Worker-Allowed'];
		const response = await api.post('/webhooks/endpoints', {
			name: 'active',
			suffix: `responses/${tag}`,
			response_content_type: 'text/html; charset=utf-8',
			response_headers: [{ header: 'X-Fine', value: 'yes' }, ...refused.map((header) => ({ header, value: 'x' }))],
		});
		expect(response.status, JSON.stringify(response.body)).toBe(400);
		const message: string = response.body.errors[0].message;
		expect(message).toContain('response_content_type');
		refused.forEach((header, index) => expect(message, header).toContain(`response_headers[${index + 1}].header`));
		expect(message).not.toContain('response_headers[0]');
		for (const type of ['image/svg+xml', 'application/xhtml+xml', 'application/javascript', 'text/javascript', 'application/pdf', 'text/css', 'multipart/x-mixed-replace; boundary=x']) {
			const other = await api.post('/webhooks/endpoints', { name: 'active', suffix: `responses/${tag}`, response_content_type: type });
			expect(other.status, type).toBe(400);
			expect(other.body.errors[0].message, type).toContain('response_content_type');
		}
		// Through Directus's own /items the same rules apply.
		const viaItems = await api.post('/items/webhooks_endpoints', { name: 'active', suffix: `responses/${tag}`, response_content_type: 'text/html' });
		expect(viaItems.status).toBe(400);
		expect((await api.get(`/webhooks/endpoints?filter[suffix][_eq]=responses/${tag}`)).body.data).toEqual([]);
	});

	it('accepts JSON, text, XML and form answers', async () => {
		const endpoint = await createEndpoint({ response_headers: [{ header: 'Cache-Control', value: 'no-store' }, { header: 'X-Trace', value: 'a' }] });
		for (const type of ['application/json', 'application/problem+json', 'text/plain; charset=utf-8', 'application/xml', 'text/xml', 'application/x-www-form-urlencoded']) {
			const response = await api.patch(`/webhooks/endpoints/${endpoint.id}`, { response_content_type: type, response_body: 'ok' });
			expect(response.status, `${type}: ${JSON.stringify(response.body)}`).toBe(200);
		}
	});

	it('every inbound answer, refusals included, says nosniff and carries a sandboxing CSP', async () => {
		const endpoint = await createEndpoint({ auth: 'api_key', auth_config: { header: 'X-Key' }, response_body: '{"ok": true}', response_headers: [{ header: 'X-Trace', value: 'a' }] });
		const answers = {
			accepted: await call(endpoint.url, { body: '{}', headers: { 'content-type': 'application/json', 'x-key': endpoint.secret! } }),
			unauthenticated: await call(endpoint.url, { body: '{}', headers: { 'content-type': 'application/json', 'x-key': 'wrong' } }),
			wrongMethod: await call(endpoint.url, { method: 'GET' }),
			unknown: await call(`${info.url}/webhooks/in/no-such-${randomBytes(3).toString('hex')}`),
		};
		expect(Object.values(answers).map((answer) => answer.status)).toEqual([200, 401, 405, 404]);
		for (const [name, answer] of Object.entries(answers)) {
			expect(answer.headers.get('x-content-type-options'), name).toBe('nosniff');
			expect(answer.headers.get('content-security-policy'), name).toMatch(SANDBOX);
		}
		expect(answers.accepted.headers.get('x-trace')).toBe('a');
	});

	it('a row stored before these rules (text/html, Set-Cookie) is served as text without the header', async () => {
		const endpoint = await createEndpoint({ methods: ['GET'], response_body: 'plain' });
		await forceConfig(endpoint.id, {
			response_content_type: 'text/html',
			response_headers: JSON.stringify([{ header: 'Set-Cookie', value: 'pwned=1; Path=/' }, { header: 'X-Kept', value: 'yes' }]),
			response_body: '<b>{{ request.query.q }}</b>',
		});
		// Any write makes every instance reload the config (an admin renaming the endpoint, here).
		expect((await api.patch(`/webhooks/endpoints/${endpoint.id}`, { name: 'renamed' })).status).toBe(200);
		const answer = await until(() => call(`${endpoint.url}?q=x`, { method: 'GET' }), (response) => response.text.includes('<b>'));
		expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
		expect(answer.headers.get('set-cookie')).toBeNull();
		expect(answer.headers.get('x-kept')).toBe('yes');
		expect(answer.headers.get('content-security-policy')).toMatch(SANDBOX);
		const log = (await import('node:fs')).readFileSync(info.logFile, 'utf8');
		expect(log.split('\n').some((line) => line.includes(`inbound endpoint ${endpoint.id}`) && line.includes('text/html')), 'a warning names the endpoint and the type').toBe(true);
	});

	describe.skipIf(!hasChromium)('in a real browser', () => {
		let browser: Browser;
		beforeAll(async () => {
			browser = await launchBrowser();
		});
		afterAll(async () => {
			await browser?.close();
		});

		/** Opens the URL and reports whether the page's script ran (a flag, a title, a call to the Directus API). */
		async function open(url: string) {
			const page = await browser.newPage();
			const apiCalls: string[] = [];
			page.on('request', (request) => {
				if (request.url().includes('/users/me')) apiCalls.push(request.url());
			});
			const response = await page.goto(url);
			await page.waitForTimeout(500);
			const ran = await page.evaluate(() => (window as unknown as { pwned?: string }).pwned ?? (document.title === 'pwned' ? 'title' : null));
			const cookies = await page.context().cookies();
			await page.close();
			return { status: response?.status(), ran, apiCalls, cookies: cookies.map((cookie) => cookie.name) };
		}

		const SCRIPT = "window.pwned = 'yes'; document.title = 'pwned'; fetch('/users/me')";

		it('old rows serving a script and a page that loads it, and an XML answer echoing an XHTML script tag: no script runs, no cookie is set', async () => {
			// Directus's CSP blocks inline scripts but allows scripts from its own origin: an endpoint serving one is the way in.
			const script = await createEndpoint({ methods: ['GET'], response_body: 'plain' });
			const page = await createEndpoint({ methods: ['GET'], response_body: 'plain' });
			const scriptPath = new URL(script.url).pathname;
			await forceConfig(script.id, { response_content_type: 'application/javascript', response_body: SCRIPT });
			await forceConfig(page.id, {
				response_content_type: 'text/html',
				response_headers: JSON.stringify([{ header: 'Set-Cookie', value: 'pwned=1; Path=/' }]),
				response_body: `<html><head><title>page</title><script src="${scriptPath}"></script></head><body>hello</body></html>`,
			});
			for (const { id } of [script, page]) expect((await api.patch(`/webhooks/endpoints/${id}`, { name: 'renamed' })).status).toBe(200);
			await until(() => call(page.url, { method: 'GET' }), (response) => response.text.includes('<script'));
			const visit = await open(page.url);
			expect(visit.status).toBe(200);
			expect(visit.ran, 'the script ran').toBeNull();
			expect(visit.apiCalls, 'the script called the API').toEqual([]);
			expect(visit.cookies).not.toContain('pwned');

			const xml = await createEndpoint({ methods: ['GET'], response_content_type: 'application/xml', response_body: '<answer>{{ request.query.q }}</answer>' });
			const injected = `<x:script xmlns:x="http://www.w3.org/1999/xhtml" src="${scriptPath}"></x:script>`;
			const xmlVisit = await open(`${xml.url}?q=${encodeURIComponent(injected)}`);
			expect(xmlVisit.status).toBe(200);
			expect(xmlVisit.ran, 'the script ran').toBeNull();
			expect(xmlVisit.apiCalls, 'the script called the API').toEqual([]);
		});
	});
});

describe('a redelivery is answered with the original response', () => {
	it('a replayed delivery id with another body gets the original bytes, never the stored row rendered for the new caller', async () => {
		const endpoint = await createEndpoint({
			...KEYED,
			dedupe_header: 'X-Delivery',
			response_status: 202,
			response_headers: [{ header: 'X-Trace', value: 'first' }],
			response_body: '{"got": {{ request.body }} , "stored": {{ item.body }}, "id": {{ item.id }}}',
		});
		const delivery = `d-${randomBytes(4).toString('hex')}`;
		const send = (body: unknown) => call(endpoint.url, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-delivery': delivery, 'x-key': endpoint.secret! } });
		const original = await send({ card: 'original-secret-4242' });
		expect(original.status).toBe(202);
		expect(JSON.parse(original.text).stored).toEqual({ card: 'original-secret-4242' });
		// The config changes afterwards: the replay still gets what the original caller got.
		expect((await api.patch(`/webhooks/endpoints/${endpoint.id}`, { response_headers: [{ header: 'X-Trace', value: 'second' }], response_body: '{"now": {{ item.body }}}' })).status).toBe(200);
		await until(() => call(endpoint.url, { body: '{}', headers: { 'content-type': 'application/json', 'x-delivery': `other-${delivery}`, 'x-key': endpoint.secret! } }), (response) => response.text.startsWith('{"now"'));
		const replay = await send({ probe: 'attacker' });
		expect(replay.status).toBe(202);
		expect(replay.text).toBe(original.text);
		expect(replay.text).not.toContain('attacker');
		expect(replay.headers.get('content-type')).toBe(original.headers.get('content-type'));
		expect(replay.headers.get('x-trace')).toBe('first');
		expect(replay.headers.get('x-webhook-duplicate')).toBe('true');
		const rows = (await api.get(`/items/${endpoint.collection}?filter[delivery_id][_eq]=${delivery}`)).body.data;
		expect(rows.length).toBe(1);
	});

	it('storage made before answers were kept gets the field with its first request, and replays from then on get the original', async () => {
		const endpoint = await createEndpoint({ ...KEYED, dedupe_header: 'X-Delivery', response_body: '{"stored": {{ item.body }}}' });
		// As an earlier version created it: no response field.
		expect((await api.delete(`/fields/${endpoint.collection}/response`)).status).toBe(204);
		await new Promise((done) => setTimeout(done, 1_500));
		const send = (body: unknown) => call(endpoint.url, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-delivery': 'upgraded', 'x-key': endpoint.secret! } });
		const original = await send({ n: 'original' });
		expect(original.status).toBe(200);
		expect((await api.get(`/fields/${endpoint.collection}/response`)).status).toBe(200);
		const replay = await send({ n: 'probe' });
		expect(replay.text).toBe(original.text);
	});

	it('without authentication, whoever replays a known delivery id gets the status and headers, never the body', async () => {
		const endpoint = await createEndpoint({ dedupe_header: 'X-Delivery', response_status: 202, response_headers: [{ header: 'X-Trace', value: 'kept' }], response_body: '{"stored": {{ item.body }}}' });
		const send = (body: unknown) => call(endpoint.url, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-delivery': 'public-id' } });
		const original = await send({ card: 'secret-public-4242' });
		expect(original.text).toContain('secret-public-4242');
		const replay = await send({ probe: 'attacker' });
		expect(replay.text).not.toContain('secret-');
		expect([replay.status, replay.text, replay.headers.get('x-trace'), replay.headers.get('x-webhook-duplicate')]).toEqual([202, '', 'kept', 'true']);
	});

	it('a field mapping named response is stored data, never served as the kept answer of a replay', async () => {
		const endpoint = await createEndpoint({ ...KEYED, dedupe_header: 'X-Delivery', response_status: 201 });
		// Refused in new config; an install from before may hold it.
		await forceConfig(endpoint.id, { field_mappings: JSON.stringify([{ path: 'body.note', field: 'response', type: 'json' }]) });
		// Any write reloads the endpoints.
		expect((await api.patch(`/webhooks/endpoints/${endpoint.id}`, { response_status: 201 })).status).toBe(200);
		const send = (note: unknown, delivery: string) =>
			call(endpoint.url, { body: JSON.stringify({ note }), headers: { 'content-type': 'application/json', 'x-delivery': delivery, 'x-key': endpoint.secret! } });
		let probe = 0;
		await until(
			async () => {
				probe += 1;
				await send({ marker: true }, `probe-${probe}`);
				return (await api.get(`/items/${endpoint.collection}?filter[delivery_id][_eq]=probe-${probe}&fields=response`)).body.data?.[0]?.response;
			},
			(response: unknown) => JSON.stringify(response) === '{"marker":true}',
		);
		// The first sender's data, shaped like a kept answer.
		expect((await send({ status: 200, headers: [], content_type: 'application/json', body: 'secret-first-sender' }, 'mapped')).status).toBe(201);
		const replay = await send({ probe: true }, 'mapped');
		expect(replay.text).not.toContain('secret-');
		expect([replay.status, replay.text]).toEqual([201, '']);
	});

	it('without a template the replay gets the same empty answer', async () => {
		const endpoint = await createEndpoint({ dedupe_header: 'X-Delivery', response_status: 201 });
		const send = (n: number) => call(endpoint.url, { body: JSON.stringify({ n }), headers: { 'content-type': 'application/json', 'x-delivery': 'same' } });
		const original = await send(1);
		const replay = await send(2);
		expect([original.status, original.text, replay.status, replay.text]).toEqual([201, '', 201, '']);
	});
});
