import { defineHook } from '@directus/extensions-sdk';
import { SchemaInstaller } from '../api/schema/schema-installer';

export default defineHook(({ init }, context) => {
	// Runs before the server listens, so requests never see a half-installed schema.
	init('app.before', async () => {
		try {
			const report = await new SchemaInstaller(context).install();
			const changed = report.createdCollections.length + report.addedFields.length;
			if (changed > 0 || report.moduleBarUpdated) context.logger.info({ webhooks: report }, '[webhooks] schema installed');
		} catch (error) {
			context.logger.error(error, '[webhooks] could not install the webhooks collections');
			throw error;
		}
	});
});
