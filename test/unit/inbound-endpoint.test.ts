import { describe, expect, it } from 'vitest';
import { INBOUND_PATH, STORAGE_PREFIX } from '../../extensions/src/shared/collections';
import { MAX_COLLECTION_NAME, collectionForSuffix, endpointUrl } from '../../extensions/src/shared/inbound-endpoint';
import { collectionNameProblem } from '../../extensions/src/shared/validate-endpoint';
import { seededRandom } from '../support/seeded-random';

describe('collectionForSuffix', () => {
	it.each([
		['github/push', 'inbound_github_push'],
		['GitHub/Push-Events', 'inbound_github_push_events'],
		['stripe/v1/events', 'inbound_stripe_v1_events'],
		['a__b--c', 'inbound_a_b_c'],
		['_x_', 'inbound_x'],
		['-/x/-', 'inbound_x'],
		['café/ünï', 'inbound_caf_n'],
		['42', 'inbound_42'],
		['---', 'inbound_endpoint'],
		['', 'inbound_endpoint'],
		['é', 'inbound_endpoint'],
	])('%j -> %j', (suffix, collection) => {
		expect(collectionForSuffix(suffix)).toBe(collection);
	});

	it('leaves room below the 64 character limit for a uniqueness suffix', () => {
		const name = collectionForSuffix('x'.repeat(200));
		expect(name).toBe(`${STORAGE_PREFIX}${'x'.repeat(60 - STORAGE_PREFIX.length)}`);
		expect(name).toHaveLength(MAX_COLLECTION_NAME - 4);
	});

	it('always gives a valid collection name', () => {
		const next = seededRandom(0xc011);
		const chars = 'aZ9_-/.é $';
		for (let run = 0; run < 2000; run += 1) {
			const suffix = Array.from({ length: Math.floor(next() * 120) }, () => chars[Math.floor(next() * chars.length)]).join('');
			const name = collectionForSuffix(suffix);
			expect(collectionNameProblem(name), suffix).toBeNull();
			expect(name.startsWith(STORAGE_PREFIX)).toBe(true);
		}
	});
});

describe('endpointUrl', () => {
	it('joins an absolute PUBLIC_URL, the inbound path and the suffix', () => {
		expect(INBOUND_PATH).toBe('/webhooks/in');
		expect(endpointUrl('https://cms.example.com', 'github/push')).toBe('https://cms.example.com/webhooks/in/github/push');
		expect(endpointUrl('http://localhost:8055/', 'a')).toBe('http://localhost:8055/webhooks/in/a');
		expect(endpointUrl('https://example.com/directus//', 'a')).toBe('https://example.com/directus/webhooks/in/a');
		expect(endpointUrl('HTTPS://EXAMPLE.COM', 'a')).toBe('HTTPS://EXAMPLE.COM/webhooks/in/a');
	});

	it.each([null, undefined, '', '/', 'example.com', 'ftp://example.com', '//example.com', 'javascript:alert(1)'])('is relative for PUBLIC_URL %j', (publicUrl) => {
		expect(endpointUrl(publicUrl, 'orders')).toBe('/webhooks/in/orders');
	});
});
