// Waiting in tests: for a while, or until something read from a real server is true.
export const sleep = (ms: number) => new Promise<void>((wait) => setTimeout(wait, ms));

/** Reads until `done` holds for the value (every 150 ms), then returns it; throws with the last value after `timeoutMs`. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (done(value)) return value;
		if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms: ${String(JSON.stringify(value)).slice(0, 500)}`);
		await sleep(150);
	}
}
