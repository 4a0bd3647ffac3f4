// Reads a request body as raw bytes (signatures are computed over exactly these), refusing more
// than the endpoint allows as soon as that is known, and giving up on callers that send too
// slowly, so a trickled body cannot hold a connection forever. With a budget hold, the bytes count
// against the global budget as soon as they are known (declared or received): `busy` when they do
// not fit now. The caller releases the hold when it is done with the body.
import type { IncomingMessage } from 'node:http';
import type { BudgetHold } from './body-budget';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too_large' | 'timeout' | 'aborted' | 'busy' };

export function readBody(request: IncomingMessage, limit: number, timeoutMs: number, hold?: BudgetHold): Promise<BodyResult> {
	const declared = Number(request.headers['content-length']);
	if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ ok: false, reason: 'too_large' });
	if (hold && Number.isFinite(declared) && !hold.growTo(declared)) {
		request.pause();
		return Promise.resolve({ ok: false, reason: 'busy' });
	}
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let settled = false;
		const finish = (result: BodyResult) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			request.off('data', onData).off('end', onEnd).off('error', onAbort).off('aborted', onAbort);
			if (!result.ok) request.pause();
			resolve(result);
		};
		const onData = (chunk: Buffer) => {
			size += chunk.length;
			if (size > limit) finish({ ok: false, reason: 'too_large' });
			else if (hold && !hold.growTo(size)) finish({ ok: false, reason: 'busy' });
			else chunks.push(chunk);
		};
		const onEnd = () => finish({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
		const onAbort = () => finish({ ok: false, reason: 'aborted' });
		const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), timeoutMs);
		request.on('data', onData).on('end', onEnd).on('error', onAbort).on('aborted', onAbort);
	});
}
