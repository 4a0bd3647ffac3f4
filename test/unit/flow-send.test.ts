// How the Flow operation reads its options: what Directus stores (the item picker's { key }, the
// code editor's JSON or text) and what Flow data renders to.
import { describe, expect, it } from 'vitest';
import { flowBody, flowWebhookId } from '../../extensions/src/api/outbound/config/flow-send';

describe('flowWebhookId', () => {
	it('takes a number, a numeric string or the picker value', () => {
		expect(flowWebhookId(7)).toBe(7);
		expect(flowWebhookId(' 12 ')).toBe(12);
		expect(flowWebhookId({ key: 3, collection: 'webhooks_outgoing' })).toBe(3);
		expect(flowWebhookId({ key: '4' })).toBe(4);
	});

	it('refuses anything else with a 400, before any lookup', () => {
		for (const bad of [undefined, null, '', 'abc', '1e3', '-1', 0, 1.5, Number.MAX_SAFE_INTEGER + 1, [1], { key: null }, { id: 1 }, true]) {
			expect(() => flowWebhookId(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ status: 400, message: expect.stringContaining('webhook option') }));
		}
	});
});

describe('flowBody', () => {
	it('keeps objects and arrays, parses JSON text, keeps other text, and treats empty as no body', () => {
		expect(flowBody({ keys: [1, 2] })).toEqual({ keys: [1, 2] });
		expect(flowBody([1])).toEqual([1]);
		expect(flowBody('{"a": 1}')).toEqual({ a: 1 });
		expect(flowBody('42')).toBe(42);
		expect(flowBody('deploy now')).toBe('deploy now');
		expect(flowBody('{not json')).toBe('{not json');
		expect(flowBody('')).toBeUndefined();
		expect(flowBody('  \n')).toBeUndefined();
		expect(flowBody(undefined)).toBeUndefined();
		expect(flowBody(null)).toBeUndefined();
		expect(flowBody(0)).toBe(0);
		expect(flowBody(false)).toBe(false);
	});
});
