// Preset name -> verifier. Typing the map by AuthPreset makes a preset without a verifier a
// compile error. Each verifier validates its own settings, since they come from stored JSON.
import { AUTH_PRESETS } from '../../../shared/inbound-endpoint';
import type { AuthPreset } from '../../../shared/inbound-endpoint';
import { apiKey } from './api-key';
import { basicAuth } from './basic-auth';
import { genericHmac } from './generic-hmac';
import { github } from './github';
import { jwt } from './jwt';
import { meta } from './meta';
import { microsoftGraph } from './microsoft-graph';
import { none } from './none';
import { shopify } from './shopify';
import { slack } from './slack';
import { standardWebhooks } from './standard-webhooks';
import { stripe } from './stripe';
import { twilio } from './twilio';
import type { AsyncVerifier, Verifier } from './types';
import { zoom } from './zoom';

export { AUTH_PRESETS };
export type { AuthPreset };
export type { AsyncVerifier, InboundRequest, Verdict, Verifier, VerifierServices } from './types';

export const VERIFIERS: Readonly<Record<AuthPreset, Verifier<object> | AsyncVerifier<object>>> = {
	none,
	api_key: apiKey,
	basic: basicAuth,
	standard_webhooks: standardWebhooks,
	github,
	stripe,
	shopify,
	slack,
	hmac: genericHmac,
	meta,
	zoom,
	microsoft_graph: microsoftGraph,
	twilio,
	jwt: jwt as AsyncVerifier<object>,
};
