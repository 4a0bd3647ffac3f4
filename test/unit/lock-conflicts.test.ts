import { describe, expect, it } from 'vitest';
import { isLockConflict, retryOnLockConflict } from '../../extensions/src/api/db/lock-conflicts';

describe('isLockConflict', () => {
	it('knows the deadlock and lock-timeout errors of each database', () => {
		expect(isLockConflict({ errno: 1213, code: 'ER_LOCK_DEADLOCK' })).toBe(true);
		expect(isLockConflict({ errno: 1205, code: 'ER_LOCK_WAIT_TIMEOUT' })).toBe(true);
		expect(isLockConflict({ code: '40P01' })).toBe(true);
		expect(isLockConflict({ code: '40001' })).toBe(true);
		expect(isLockConflict({ code: 'SQLITE_BUSY' })).toBe(true);
	});

	it('leaves every other error alone', () => {
		expect(isLockConflict({ errno: 1062, code: 'ER_DUP_ENTRY' })).toBe(false);
		expect(isLockConflict({ code: '23505' })).toBe(false);
		expect(isLockConflict(new Error('boom'))).toBe(false);
		expect(isLockConflict(null)).toBe(false);
		expect(isLockConflict('40P01')).toBe(false);
	});
});

describe('retryOnLockConflict', () => {
	const deadlock = Object.assign(new Error('Deadlock found'), { errno: 1213 });

	it('runs the work again after a lock conflict and returns its result', async () => {
		let calls = 0;
		const result = await retryOnLockConflict(async () => {
			calls++;
			if (calls < 3) throw deadlock;
			return 'done';
		}, 5, 1);
		expect(result).toBe('done');
		expect(calls).toBe(3);
	});

	it('gives up after the last attempt with the last error', async () => {
		let calls = 0;
		await expect(
			retryOnLockConflict(async () => {
				calls++;
				throw deadlock;
			}, 3, 1),
		).rejects.toBe(deadlock);
		expect(calls).toBe(3);
	});

	it('does not retry other errors', async () => {
		let calls = 0;
		const other = new Error('syntax');
		await expect(
			retryOnLockConflict(async () => {
				calls++;
				throw other;
			}, 5, 1),
		).rejects.toBe(other);
		expect(calls).toBe(1);
	});
});
