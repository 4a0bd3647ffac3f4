// Deadlocks and lock-wait timeouts are the database asking for a transaction to be run again
// (InnoDB and PostgreSQL each pick a victim when two transactions wait on each other), so the
// outbox retries them instead of dropping an outcome, which would resend a delivered message.

// ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT (MySQL/MariaDB); deadlock_detected, serialization_failure
// (PostgreSQL); a busy SQLite file.
const MYSQL_ERRNOS = new Set([1213, 1205]);
const CODES = new Set(['40P01', '40001', 'SQLITE_BUSY']);

/** A deadlock as Directus's own transaction helper retries it (MySQL/MariaDB ER_LOCK_DEADLOCK, PostgreSQL 40P01). */
export function isDeadlock(error: unknown): boolean {
	if (!error || typeof error !== 'object') return false;
	const { code } = error as { code?: unknown };
	return code === 'ER_LOCK_DEADLOCK' || code === '40P01';
}

export function isLockConflict(error: unknown): boolean {
	if (!error || typeof error !== 'object') return false;
	const { errno, code } = error as { errno?: unknown; code?: unknown };
	return (typeof errno === 'number' && MYSQL_ERRNOS.has(errno)) || (typeof code === 'string' && CODES.has(code));
}

/** Runs `work` again (up to `attempts` times in all, after a short random pause) while it hits a lock conflict. */
export function retryOnLockConflict<T>(work: () => Promise<T>, attempts = 5, pauseMs = 10, alsoRetry: (error: unknown) => boolean = () => false): Promise<T> {
	return retryWhile(work, (error) => isLockConflict(error) || alsoRetry(error), attempts, pauseMs);
}

/** Runs `work` again while it fails with an error `retry` accepts. */
export async function retryWhile<T>(work: () => Promise<T>, retry: (error: unknown) => boolean, attempts = 5, pauseMs = 10): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await work();
		} catch (error) {
			if (attempt >= attempts || !retry(error)) throw error;
			// Random, growing pauses so the two parties of a deadlock do not collide again.
			await new Promise((wait) => setTimeout(wait, pauseMs * attempt * (0.5 + Math.random())));
		}
	}
}

// unique_violation (PostgreSQL), ER_DUP_ENTRY (MySQL/MariaDB), SQLITE_CONSTRAINT_UNIQUE.
const UNIQUE_CODES = new Set(['23505', 'ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE']);

/** An insert that lost a race for a unique key: run again, it will find the winner's row. */
export function isUniqueViolation(error: unknown): boolean {
	if (!error || typeof error !== 'object') return false;
	const { errno, code, message } = error as { errno?: unknown; code?: unknown; message?: unknown };
	if (typeof code === 'string' && UNIQUE_CODES.has(code)) return true;
	if (errno === 1062) return true;
	return code === 'SQLITE_CONSTRAINT' && typeof message === 'string' && message.includes('UNIQUE');
}
