// What recover and replay-missed accept: dates as ISO text or epoch ms, statuses from a fixed list,
// every bad field named at once.
import { describe, expect, it } from 'vitest';
import { validateRecover, validateReplay } from '../../extensions/src/shared/recovery.ts';

describe('recover and replay requests', () => {
	it('a range given as ISO text becomes epoch milliseconds; statuses default to failed, dry_run to false', () => {
		expect(validateRecover({ since: '2026-12-01T00:00:00Z', until: '2026-12-02T00:00:00Z' })).toEqual({
			ok: true,
			value: { since: Date.parse('2026-12-01T00:00:00Z'), until: Date.parse('2026-12-02T00:00:00Z'), statuses: ['failed'], dry_run: false },
		});
		expect(validateReplay({ since: 1000, dry_run: true })).toEqual({ ok: true, value: { since: 1000, dry_run: true } });
	});

	it('names every bad field at once: a missing since, an unknown status, a non-boolean dry_run, an unknown field', () => {
		const result = validateRecover({ statuses: ['failed', 'pending'], dry_run: 'yes', limit: 5 });
		expect(result.ok).toBe(false);
		const fields = (result as { errors: { field: string }[] }).errors.map((error) => error.field);
		expect(fields.sort()).toEqual(['dry_run', 'limit', 'since', 'statuses']);
	});

	it('refuses an until that is not after since, text that is not a date, and no body at all', () => {
		expect(validateRecover({ since: 5000, until: 5000 })).toEqual({ ok: false, errors: [{ field: 'until', reason: 'must be later than since' }] });
		expect(validateReplay({ since: 'yesterday' })).toMatchObject({ ok: false, errors: [{ field: 'since' }] });
		expect(validateReplay(undefined)).toMatchObject({ ok: false, errors: [{ field: 'since' }] });
		// replay-missed has no statuses: it sends what was missed.
		expect(validateReplay({ since: 1, statuses: ['failed'] })).toMatchObject({ ok: false, errors: [{ field: 'statuses' }] });
	});
});
