// Schema changes this process makes after a response has gone out (storage collections for
// endpoints written through /items or GraphQL) hold back the requests that arrive meanwhile.
// Without that, the client's next request races the change: it may not find the collection yet,
// and on SQLite (one connection) a request that reads the schema inside its transaction waits for
// our schema rebuild, which waits for that very connection, until Directus gives up after 30 s
// ("Failed to get Schema information: hit infinite loop").
import type { NextFunction, Request, Response } from 'express';

/** Requests never wait longer than this, whatever the schema change is doing. */
const MAX_WAIT_MS = 15_000;

export class SchemaChangeGate {
	private readonly changes = new Set<Promise<unknown>>();
	private readonly maxWaitMs: number;

	constructor(maxWaitMs = MAX_WAIT_MS) {
		this.maxWaitMs = maxWaitMs;
	}

	/** Runs `change`, holding back new requests until it settles. Call it synchronously from the action. */
	hold<T>(change: () => Promise<T>): Promise<T> {
		const run = change();
		const settled = run.then(
			() => undefined,
			() => undefined,
		);
		this.changes.add(settled);
		void settled.then(() => this.changes.delete(settled));
		return run;
	}

	/** Resolves once no change is in progress, or after the wait limit. */
	async idle(): Promise<void> {
		if (this.changes.size === 0) return;
		let timer: NodeJS.Timeout | undefined;
		const limit = new Promise<void>((done) => {
			timer = setTimeout(done, this.maxWaitMs);
			timer.unref();
		});
		// Changes that start while we wait are waited for too: they follow from the same write.
		const drained = (async () => {
			while (this.changes.size > 0) await Promise.all(this.changes);
		})();
		await Promise.race([drained, limit]);
		clearTimeout(timer);
	}

	readonly middleware = (_req: Request, _res: Response, next: NextFunction): void => {
		if (this.changes.size === 0) return next();
		void this.idle().then(() => next());
	};
}
