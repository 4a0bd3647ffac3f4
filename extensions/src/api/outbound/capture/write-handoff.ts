// Values read in a write's filter phase (before the write) for the action that follows it, per
// item. Entries expire, so a write that fails leaves nothing behind for long.
const TTL_MS = 60_000;

export class WriteHandoff<T> {
	private readonly entries = new Map<string, { value: T; expires: number }>();

	set(collection: string, values: Map<string, T>): void {
		this.sweep();
		const expires = Date.now() + TTL_MS;
		for (const [key, value] of values) this.entries.set(`${collection}\u0000${key}`, { value, expires });
	}

	/** The values of these items, removed from the handoff. */
	take(collection: string, keys: (string | number)[]): Map<string, T> {
		const found = new Map<string, T>();
		if (this.entries.size === 0) return found;
		for (const key of keys) {
			const id = `${collection}\u0000${String(key)}`;
			const entry = this.entries.get(id);
			if (!entry) continue;
			this.entries.delete(id);
			found.set(String(key), entry.value);
		}
		return found;
	}

	private sweep(): void {
		const now = Date.now();
		for (const [id, entry] of this.entries) if (entry.expires < now) this.entries.delete(id);
	}
}
