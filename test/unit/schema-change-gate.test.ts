import { describe, expect, it } from 'vitest';
import { SchemaChangeGate } from '../../extensions/src/api/schema/schema-change-gate';

/** A promise with its resolve and reject at hand. */
function deferred<T = void>() {
	let resolve!: (value: T) => void;
	let reject!: (error: unknown) => void;
	const promise = new Promise<T>((yes, no) => {
		resolve = yes;
		reject = no;
	});
	return { promise, resolve, reject };
}

/** Passes one request through the gate's middleware; resolves when it calls next(). */
function request(gate: SchemaChangeGate, order: string[], name: string): Promise<void> {
	return new Promise((done) => gate.middleware({} as never, {} as never, () => (order.push(name), done())));
}

const tick = () => new Promise((done) => setImmediate(done));

describe('SchemaChangeGate', () => {
	it('lets requests straight through when no change is in progress', async () => {
		const order: string[] = [];
		await request(new SchemaChangeGate(), order, 'a');
		expect(order).toEqual(['a']);
	});

	it('holds requests until the change settles, and returns what the change returns', async () => {
		const gate = new SchemaChangeGate();
		const order: string[] = [];
		const change = deferred<string>();
		const held = gate.hold(() => change.promise);
		const passed = request(gate, order, 'request');
		await tick();
		expect(order).toEqual([]);
		change.resolve('done');
		expect(await held).toBe('done');
		await passed;
		expect(order).toEqual(['request']);
	});

	it('releases requests when the change fails, and passes the failure to its caller', async () => {
		const gate = new SchemaChangeGate();
		const order: string[] = [];
		const change = deferred();
		const held = gate.hold(() => change.promise);
		const passed = request(gate, order, 'request');
		change.reject(new Error('ddl failed'));
		await expect(held).rejects.toThrow('ddl failed');
		await passed;
		expect(order).toEqual(['request']);
	});

	it('waits for a change that starts while requests are already waiting', async () => {
		const gate = new SchemaChangeGate();
		const order: string[] = [];
		const first = deferred();
		const second = deferred();
		void gate.hold(() => first.promise);
		const passed = request(gate, order, 'request');
		void gate.hold(() => second.promise);
		first.resolve();
		await tick();
		expect(order).toEqual([]);
		second.resolve();
		await passed;
		expect(order).toEqual(['request']);
	});

	it('never holds a request longer than its limit', async () => {
		const gate = new SchemaChangeGate(30);
		const order: string[] = [];
		void gate.hold(() => new Promise(() => undefined));
		await request(gate, order, 'request');
		expect(order).toEqual(['request']);
	});
});
