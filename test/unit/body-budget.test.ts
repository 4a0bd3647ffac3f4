import { describe, expect, it } from 'vitest';
import { BodyBudget } from '../../extensions/src/api/inbound/http/body-budget';

describe('BodyBudget', () => {
	it('lets holds grow until the budget is spent, and refuses what does not fit without taking any of it', () => {
		const budget = new BodyBudget(100);
		const first = budget.hold();
		const second = budget.hold();
		expect(first.growTo(60)).toBe(true);
		expect(second.growTo(30)).toBe(true);
		expect(second.growTo(50)).toBe(false);
		expect(budget.held).toBe(90);
		expect(second.growTo(40)).toBe(true);
		expect(budget.held).toBe(100);
	});

	it('a hold never shrinks by growing to less, and gives back all it held on release, once', () => {
		const budget = new BodyBudget(100);
		const hold = budget.hold();
		expect(hold.growTo(70)).toBe(true);
		expect(hold.growTo(10)).toBe(true);
		expect(budget.held).toBe(70);
		hold.release();
		hold.release();
		expect(budget.held).toBe(0);
		expect(budget.hold().growTo(100)).toBe(true);
	});
});
