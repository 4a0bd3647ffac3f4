// Secret and signature comparisons that take the same time wherever the inputs differ, so a
// caller cannot find a valid signature byte by byte by timing the answers.
import { timingSafeEqual } from 'node:crypto';

/**
 * Compares without leaking where the first difference is. The length check does leak the
 * length, which is public for signatures of a fixed size; callers comparing secrets of
 * arbitrary length hash both sides first.
 */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
	const left = typeof a === 'string' ? Buffer.from(a) : a;
	const right = typeof b === 'string' ? Buffer.from(b) : b;
	return left.length === right.length && timingSafeEqual(left, right);
}
