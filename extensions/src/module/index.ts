// The admin module (Webhooks in the module bar): its routes; the pages live beside it.
import { defineModule } from '@directus/extensions-sdk';
import { MODULE_ID } from '../shared/collections';
import { TEXTS } from '../app/texts';
import IncomingDetail from './routes/incoming-detail.vue';
import IncomingList from './routes/incoming-list.vue';
import OutgoingDetail from './routes/outgoing-detail.vue';
import OutgoingList from './routes/outgoing-list.vue';

export default defineModule({
	id: MODULE_ID,
	name: TEXTS.module,
	icon: 'webhook',
	routes: [
		{ path: '', redirect: `/${MODULE_ID}/outgoing` },
		{ path: 'outgoing', component: OutgoingList },
		{ path: 'outgoing/:id', component: OutgoingDetail, props: true },
		{ path: 'incoming', component: IncomingList },
		{ path: 'incoming/:id', component: IncomingDetail, props: true },
	],
	preRegisterCheck: (user) => user.admin_access === true,
});
