import { describe, expect, it } from 'vitest';
import type { Accountability } from '../../extensions/src/api/context';
import { roleAccountability } from '../../extensions/src/api/outbound/worker/owner-scope';
import { READERS_BEFORE, readableBefore } from '../../extensions/src/api/outbound/capture/prior-access';

const user = (id: string): Accountability => ({ user: id, role: null, roles: [], admin: false, app: true, ip: null });

describe('readableBefore', () => {
	it('is true only when every reader, item_role included, could read the item before the write', () => {
		const data = { [READERS_BEFORE]: ['alice', 'role:editors'] };
		expect(readableBefore(data, [user('alice')])).toBe(true);
		expect(readableBefore(data, [user('alice'), roleAccountability('editors')])).toBe(true);
		expect(readableBefore(data, [user('alice'), user('bob')])).toBe(false);
		expect(readableBefore({ [READERS_BEFORE]: [] }, [user('alice')])).toBe(false);
	});

	it('is unknown (null) when the write was not checked: a delivery then sends nothing read before it', () => {
		expect(readableBefore({ action: 'delete', keys: [1] }, [user('alice')])).toBeNull();
		expect(readableBefore({ [READERS_BEFORE]: 'alice' }, [user('alice')])).toBeNull();
	});
});
