// Reads the outbox straight from the database, to compare what it says with what receivers got.
import { connect, type DatabaseTarget } from './databases.ts';

/** Deliveries of one webhook counted by status, e.g. { succeeded: 10 }. */
export async function deliveryStatuses(target: DatabaseTarget, webhook: number): Promise<Record<string, number>> {
	const db = connect(target);
	try {
		const rows: { status: string; count: unknown }[] = await db('webhooks_deliveries').where({ webhook }).select('status').count({ count: '*' }).groupBy('status');
		return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
	} finally {
		await db.destroy();
	}
}
