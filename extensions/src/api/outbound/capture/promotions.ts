// Directus publishes a content version (a promote) by updating its item, which emits a plain
// items.update before the items.promote. A webhook with both actions gets the promote alone: one
// delivery per publish. The promote's filter phase marks the item; its update takes the mark.
import { WriteHandoff } from './write-handoff';

export class Promotions {
	private readonly handoff = new WriteHandoff<true>();

	begin(collection: string, key: string | number): void {
		this.handoff.set(collection, new Map([[String(key), true]]));
	}

	/** True when this update is the one a promote writes (the mark is then gone). */
	take(collection: string, keys: (string | number)[]): boolean {
		return this.handoff.take(collection, keys).size > 0;
	}
}
