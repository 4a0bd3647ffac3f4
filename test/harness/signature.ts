// Checks a received request's Standard Webhooks signature with the providers' own library, as a
// receiver would: over the exact bytes received.
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { ReceivedRequest } from './receiver.ts';

const signatureHeaders = (request: ReceivedRequest) => ({
	'webhook-id': String(request.headers['webhook-id']),
	'webhook-timestamp': String(request.headers['webhook-timestamp']),
	'webhook-signature': String(request.headers['webhook-signature']),
});

/** The JSON body once the signature and timestamp hold; throws otherwise. */
export function verify(secret: string, request: ReceivedRequest): unknown {
	return new StandardWebhook(secret).verify(request.body, signatureHeaders(request));
}

/** Whether the signature holds over the body as received, JSON or not (verify parses JSON). */
export function signedOver(secret: string, request: ReceivedRequest): boolean {
	const headers = signatureHeaders(request);
	const expected = new StandardWebhook(secret).sign(headers['webhook-id'], new Date(Number(headers['webhook-timestamp']) * 1000), request.body);
	return headers['webhook-signature'].split(' ').includes(expected);
}
