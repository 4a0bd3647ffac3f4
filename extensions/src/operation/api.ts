// The Flow operation "Send webhook (managed)", API side: hands the options, already filled with
// Flow data, to api/outbound/config/flow-send, whose result becomes the operation's data.
import { defineOperationApi } from '@directus/extensions-sdk';
import { SEND_OPERATION_ID } from '../shared/flow-send';
import { sendFromFlow, type FlowSendOptions } from '../api/outbound/config/flow-send';

export default defineOperationApi<FlowSendOptions>({
	id: SEND_OPERATION_ID,
	handler: (options, context) => sendFromFlow(options, context),
});
