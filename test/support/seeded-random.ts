/** Deterministic xorshift32 in [0, 1), so a fuzz failure reproduces from its seed. */
export function seededRandom(seed: number): () => number {
	let state = seed;
	return () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 0x1_0000_0000;
	};
}
