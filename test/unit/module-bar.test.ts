import { describe, expect, it } from 'vitest';
import { DEFAULT_MODULE_BAR, withModule } from '../../extensions/src/api/schema/module-bar';

describe('withModule', () => {
	it('starts from the app default and puts the module before Settings', () => {
		const bar = withModule(null, 'webhooks')!;
		const ids = bar.map((entry) => entry.id);
		expect(ids.indexOf('webhooks')).toBe(ids.indexOf('settings') - 1);
		expect(bar).toHaveLength(DEFAULT_MODULE_BAR.length + 1);
		expect(bar.find((entry) => entry.id === 'webhooks')).toEqual({ type: 'module', id: 'webhooks', enabled: true });
	});

	it('keeps a customised bar and appends when there is no Settings entry', () => {
		const custom = [{ type: 'module' as const, id: 'content', enabled: false }];
		expect(withModule(custom, 'webhooks')).toEqual([...custom, { type: 'module', id: 'webhooks', enabled: true }]);
	});

	it('leaves a bar alone that already lists the module, even disabled', () => {
		expect(withModule([{ type: 'module', id: 'webhooks', enabled: false }], 'webhooks')).toBeNull();
	});
});
