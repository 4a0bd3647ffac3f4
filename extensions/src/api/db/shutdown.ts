// Directus closes its database pool on shutdown before any extension event fires (`server.stop`
// comes after), yet events buffered for the outbox and delivery outcomes must still be written.
// Public moments come before that: the stop signal, then the HTTP server's `close` once every
// request is answered (the server comes with the `server.start` action). At the signal the
// extension stops starting database work of its own, so that at `close` a connection is free (on
// SQLite the only one); it takes that connection, and the pool's destroy waits for connections
// in use, so the last writes run on it before the pool goes.
// Loss window: a database call of ours still running when the server closes (it began before the
// signal and the server closed within its few milliseconds) leaves no connection free on SQLite:
// what is still in memory is then lost, and logged.
import type { Knex } from 'knex';
import type { Logger } from '../lib/logger';

interface ClosingServer {
	once(event: 'close', listener: () => void): unknown;
}

export interface LastWrites {
	/** At the stop signal: start no database work of our own from now on. */
	quiesce(): void;
	/** Once the server has closed, through the one connection taken for it. */
	write(db: Knex): Promise<void>;
}

// Directus (terminus) stops on these.
const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export function writeLastBeforePoolCloses(server: ClosingServer, knex: Knex, logger: Pick<Logger, 'error'>, last: LastWrites): void {
	// Only beside a handler already there: a listener of ours alone would keep the process from exiting.
	const signals = STOP_SIGNALS.filter((signal) => process.listenerCount(signal) > 0);
	const forget = () => {
		for (const signal of signals) process.off(signal, stopping);
	};
	const stopping = () => {
		forget();
		last.quiesce();
	};
	for (const signal of signals) process.on(signal, stopping);

	server.once('close', () => {
		forget();
		// Asked for now, synchronously: once the pool is closing it hands out no connection.
		const taken: Promise<unknown> = knex.client.acquireConnection();
		void (async () => {
			let connection: unknown;
			try {
				connection = await taken;
			} catch (error) {
				logger.error(error, '[webhooks] no database connection was free at shutdown: deliveries and outcomes still in memory are lost');
				return;
			}
			try {
				await knex.transaction((trx) => last.write(trx), { connection });
			} catch (error) {
				logger.error(error, '[webhooks] the last writes at shutdown failed: deliveries and outcomes still in memory are lost');
			} finally {
				await knex.client.releaseConnection(connection);
			}
		})();
	});
}
