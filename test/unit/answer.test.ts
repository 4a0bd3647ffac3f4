// The answer kept for a redelivery is data in the storage collection that people may edit: what is
// sent again is checked like config (passive types, no refused headers, a success status).
import { describe, expect, it } from 'vitest';
import { keptAnswer, renderAnswer } from '../../extensions/src/api/inbound/http/answer';
import type { RegisteredEndpoint } from '../../extensions/src/api/inbound/config/endpoint-registry';
import { readsPath } from '../../extensions/src/shared/template';

const endpoint = {
	responseStatus: 202,
	responseHeaders: [{ header: 'X-Now', value: 'now' }],
	responseBody: '{"id": {{ item.id }}, "got": "{{ request.body.n }}"}',
	responseContentType: 'application/json',
} as RegisteredEndpoint;

describe('renderAnswer', () => {
	it('renders the body with the configured status, headers and type; no body when there is no template', () => {
		expect(renderAnswer(endpoint, { item: { id: 7 }, request: { body: { n: 'x"y' } } })).toEqual({ status: 202, headers: [{ header: 'X-Now', value: 'now' }], content_type: 'application/json', body: '{"id": 7, "got": "x\\"y"}' });
		expect(renderAnswer({ ...endpoint, responseBody: null } as RegisteredEndpoint, {})).toEqual({ status: 202, headers: endpoint.responseHeaders, content_type: null, body: null });
	});
});

describe('keptAnswer', () => {
	it('gives back a kept answer as it was sent', () => {
		const kept = { status: 201, headers: [{ header: 'X-Then', value: 'then' }], content_type: 'text/plain', body: 'ok' };
		expect(keptAnswer(endpoint, kept)).toEqual(kept);
		expect(keptAnswer(endpoint, JSON.stringify(kept))).toEqual(kept);
	});

	it('an edited answer is sent as text, without refused or malformed headers, with a success status', () => {
		const edited = {
			status: 302,
			headers: [{ header: 'Set-Cookie', value: 'a=1' }, { header: 'Location', value: '/admin' }, { header: 'bad name', value: 'x' }, { header: 'X-Ok', value: 'a\r\nb' }, { header: 'X-Kept', value: 'yes' }],
			content_type: 'text/html',
			body: '<script>alert(1)</script>',
		};
		expect(keptAnswer(endpoint, edited)).toEqual({ status: 202, headers: [{ header: 'X-Kept', value: 'yes' }], content_type: 'text/plain; charset=utf-8', body: '<script>alert(1)</script>' });
	});

	it('without a kept answer (stored before answers were kept): the status and headers, no body', () => {
		for (const kept of [undefined, null, 'not json', [1], 5]) {
			expect(keptAnswer(endpoint, kept)).toEqual({ status: 202, headers: endpoint.responseHeaders, content_type: null, body: null });
		}
	});
});

describe('readsPath', () => {
	it('knows when a template shows the item id (or the whole item)', () => {
		expect(readsPath('{"id": {{ item.id }}}', ['item', 'id'])).toBe(true);
		expect(readsPath('{{item}}', ['item', 'id'])).toBe(true);
		expect(readsPath('{{ item.body.id }} {{ request.body }}', ['item', 'id'])).toBe(false);
		expect(readsPath('{{ item.idx }}', ['item', 'id'])).toBe(false);
		expect(readsPath('no placeholders', ['item', 'id'])).toBe(false);
	});
});
