// The key that puts an ordered webhook's deliveries of one item in a line: the claim takes a row
// only while no earlier row with its key is unsettled (delivery-store). Hashed, so any collection
// name and item key fit the indexed column; a collision only makes two items share one line.
import { createHash } from 'node:crypto';

export function orderKey(webhook: number, collection: string | null, itemKey: string): string {
	const item = createHash('sha256').update(`${collection ?? ''}\u0000${itemKey}`).digest('base64url').slice(0, 32);
	return `${webhook}:${item}`;
}

/** An ordered debounced webhook's windows share one line: the next goes once the previous settled. */
export function windowOrderKey(webhook: number): string {
	return `${webhook}:window`;
}
