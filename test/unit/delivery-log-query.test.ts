import { describe, expect, it } from 'vitest';
import { PUBLIC_DELIVERY_FIELDS, publicDeliveryQuery } from '../../extensions/src/api/outbound/log/delivery-log-query';

describe('publicDeliveryQuery', () => {
	it('gives the public fields when none or * are asked, and keeps allowed filters and sorts', () => {
		expect(publicDeliveryQuery({ limit: 100 })).toEqual({ limit: 100, fields: PUBLIC_DELIVERY_FIELDS });
		expect(publicDeliveryQuery({ fields: ['*'] }).fields).toEqual(PUBLIC_DELIVERY_FIELDS);
		const query = { fields: ['id', 'status'], filter: { _and: [{ status: { _eq: 'failed' } }, { _or: [{ item_key: { _eq: '1' } }] }] }, sort: ['-created_at'] };
		expect(publicDeliveryQuery(query)).toEqual(query);
	});

	it('refuses event_data anywhere, relational paths, other parameters: every one named at once', () => {
		let message = '';
		try {
			publicDeliveryQuery({
				fields: ['event_data'],
				filter: { _or: [{ event_data: { _contains: 'x' } }, { webhook: { secret: { _eq: 'x' } } }] },
				sort: ['-event_data'],
				aggregate: { count: ['event_data'] },
				group: ['lease_owner'],
				deep: {},
			});
		} catch (error) {
			message = (error as Error).message;
		}
		for (const part of ['deep: not available', 'fields: "event_data"', 'filter: "event_data"', 'filter: "webhook.…"', 'sort: "event_data"', 'groupBy: "lease_owner"', 'aggregate: "event_data"']) {
			expect(message).toContain(part);
		}
	});
});
