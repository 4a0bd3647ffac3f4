// Sends a Directus notification (the bell in the app, and e-mail where users enabled it) to
// every active admin.
import type { ExtensionContext } from '../context';
import { SYSTEM_ACCOUNTABILITY } from '../context';

export class AdminNotifier {
	private readonly context: Pick<ExtensionContext, 'services' | 'database' | 'getSchema' | 'logger'>;

	constructor(context: Pick<ExtensionContext, 'services' | 'database' | 'getSchema' | 'logger'>) {
		this.context = context;
	}

	async notify(subject: string, message: string, collection: string, item: string | number): Promise<void> {
		const knex = this.context.database;
		// Directus 11+: admin rights come from policies attached to a user's role or to the user.
		const rows: { id: string }[] = await knex('directus_users as u')
			.distinct('u.id')
			.join('directus_access as a', (join) => join.on('a.role', '=', 'u.role').orOn('a.user', '=', 'u.id'))
			.join('directus_policies as p', 'p.id', 'a.policy')
			.where('p.admin_access', true)
			.andWhere('u.status', 'active');
		if (rows.length === 0) return;
		const { NotificationsService } = this.context.services;
		const schema = await this.context.getSchema();
		const notifications = new NotificationsService({ knex, schema, accountability: SYSTEM_ACCOUNTABILITY });
		await notifications.createMany(rows.map((row) => ({ recipient: row.id, subject, message, collection, item: String(item) })));
	}
}
