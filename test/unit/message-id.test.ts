import { describe, expect, it } from 'vitest';
import { messageId } from '../../extensions/src/api/outbound/queue/message-id';

describe('messageId', () => {
	it('is msg_, 12 hex digits of time, then 22 url-safe characters', () => {
		expect(messageId()).toMatch(/^msg_[0-9a-f]{12}[A-Za-z0-9_-]{22}$/);
	});

	it('is unique, also within one millisecond', () => {
		const ids = new Set(Array.from({ length: 1000 }, () => messageId(1_700_000_000_000)));
		expect(ids.size).toBe(1000);
	});

	it('starts with the time, so later ids sort after earlier ones (the outbox index stays append-only)', () => {
		const times = [0, 1, 999, 1_700_000_000_000, 1_700_000_000_001, 1_700_000_060_000, 253_402_300_799_999];
		const ids = times.map((time) => messageId(time));
		expect([...ids].sort()).toEqual(ids);
		expect(ids[3]!.slice(0, 16)).toBe(`msg_${(1_700_000_000_000).toString(16).padStart(12, '0')}`);
	});
});
