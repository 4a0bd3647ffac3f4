import { defineModule } from '@directus/extensions-sdk';
import { MODULE_ID } from '../shared/collections';
import WebhooksPage from './webhooks-page.vue';

export default defineModule({
	id: MODULE_ID,
	name: 'Webhooks',
	icon: 'webhook',
	routes: [{ path: '', component: WebhooksPage }],
	preRegisterCheck: (user) => user.admin_access === true,
});
