import { afterEach, describe, expect, it, vi } from 'vitest';
import { WritePayloads, type PendingWrite } from '../../extensions/src/api/outbound/capture/write-payloads';

const write = (action: PendingWrite['action'], payload: unknown, user: string | null = 'u1', collection = 'articles'): PendingWrite => ({ action, collection, payload, accountability: { user, role: 'r' } });

afterEach(() => {
	vi.useRealTimers();
});

describe('WritePayloads', () => {
	it('gives each create its own payload, a nested create of the same collection included', () => {
		const payloads = new WritePayloads();
		const trx = {};
		payloads.noteCreate(trx, write('create', { title: 'parent' }));
		// The parent's nested child is filtered and recorded before the parent's activity.
		payloads.noteCreate(trx, write('create', { title: 'child' }));
		expect(payloads.take(trx, 'articles', 'create', 2, 'u1')?.payload).toEqual({ title: 'child' });
		expect(payloads.take(trx, 'articles', 'create', 1, 'u1')?.payload).toEqual({ title: 'parent' });
		expect(payloads.take(trx, 'articles', 'create', 3, 'u1')).toBeUndefined();
	});

	it('keeps the creates of one transaction apart from another’s', () => {
		const payloads = new WritePayloads();
		const [a, b] = [{}, {}];
		payloads.noteCreate(a, write('create', { title: 'a' }));
		expect(payloads.take(b, 'articles', 'create', 1, 'u1')).toBeUndefined();
		expect(payloads.take(a, 'articles', 'create', 1, 'u1')?.payload).toEqual({ title: 'a' });
	});

	it('finds an update by collection, key and user, once', () => {
		const payloads = new WritePayloads();
		payloads.noteChange(write('update', { status: 'published' }), [1, '2']);
		expect(payloads.take({}, 'articles', 'update', '1', 'u1')?.payload).toEqual({ status: 'published' });
		expect(payloads.take({}, 'articles', 'update', 2, 'u1')?.payload).toEqual({ status: 'published' });
		expect(payloads.take({}, 'articles', 'update', 1, 'u1')).toBeUndefined();
		// Another user's activity, or a delete, is not this write's.
		payloads.noteChange(write('update', { n: 1 }), [5]);
		expect(payloads.take({}, 'articles', 'update', 5, 'u2')).toBeUndefined();
		expect(payloads.take({}, 'articles', 'delete', 5, 'u1')).toBeUndefined();
	});

	it('takes the newest update of an item first: one refused after its filter does not stand in for the next', () => {
		const payloads = new WritePayloads();
		payloads.noteChange(write('update', { title: 'refused' }), [1]);
		payloads.noteChange(write('update', { title: 'committed' }), [1]);
		expect(payloads.take({}, 'articles', 'update', 1, 'u1')?.payload).toEqual({ title: 'committed' });
	});

	it('forgets an update whose write never reached its activity after a minute', () => {
		vi.useFakeTimers();
		const payloads = new WritePayloads();
		payloads.noteChange(write('update', { title: 'x' }), [1]);
		vi.advanceTimersByTime(61_000);
		expect(payloads.take({}, 'articles', 'update', 1, 'u1')).toBeUndefined();
	});
});
