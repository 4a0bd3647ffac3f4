// One budget of inbound body bytes held at once, across all endpoints (WEBHOOKS_INBOUND_MAX_BYTES_IN_FLIGHT):
// many large bodies at a time, signed wrongly or not, cannot grow the process past it. A request
// holds bytes as they become known (its declared length, or as its body streams) and gives them
// all back when it is done, whatever the outcome.

export class BodyBudget {
	readonly max: number;
	private inFlight = 0;

	constructor(max: number) {
		this.max = max;
	}

	/** A hold of nothing yet, for one request. */
	hold(): BudgetHold {
		return new BudgetHold(this);
	}

	/** Bytes held now, by all requests. */
	get held(): number {
		return this.inFlight;
	}

	/** @internal */
	take(bytes: number): boolean {
		if (this.inFlight + bytes > this.max) return false;
		this.inFlight += bytes;
		return true;
	}

	/** @internal */
	give(bytes: number): void {
		this.inFlight -= bytes;
	}
}

export class BudgetHold {
	private readonly budget: BodyBudget;
	private bytes = 0;

	constructor(budget: BodyBudget) {
		this.budget = budget;
	}

	/** Holds `total` bytes in all (more than before); false, holding what it held, if they do not fit now. */
	growTo(total: number): boolean {
		if (total <= this.bytes) return true;
		if (!this.budget.take(total - this.bytes)) return false;
		this.bytes = total;
		return true;
	}

	release(): void {
		this.budget.give(this.bytes);
		this.bytes = 0;
	}
}
