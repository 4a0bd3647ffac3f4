// Microsoft Graph change notifications are not signed: each notification in `value` carries the
// `clientState` given when the subscription was created, which must equal one of the endpoint's
// secrets. (The validationToken handshake is answered in http/handshake.ts.)
import type { Verifier } from './types';
import { matchesAnySecret } from './secret-match';
import { usableSecrets } from './usable-secrets';
import { accept, notConfigured, reject } from './verdict';

const MAX_NOTIFICATIONS = 1000;

function notificationsOf(body: Buffer): unknown[] | null {
	try {
		const parsed: unknown = JSON.parse(body.toString('utf8'));
		const value = parsed && typeof parsed === 'object' && 'value' in parsed ? parsed.value : null;
		return Array.isArray(value) && value.length > 0 && value.length <= MAX_NOTIFICATIONS ? value : null;
	} catch {
		return null;
	}
}

export const microsoftGraph: Verifier<unknown> = {
	verify(request, _config, secrets) {
		const keys = usableSecrets(secrets);
		if (keys.length === 0) return notConfigured();
		const notifications = notificationsOf(request.rawBody);
		if (notifications === null) return reject('not a Microsoft Graph notification: expected a JSON body { "value": [...] }');
		// Every notification must carry a known clientState: one forged entry beside a real one is refused too.
		const all = notifications.every((entry) => {
			const state = entry && typeof entry === 'object' && 'clientState' in entry ? entry.clientState : undefined;
			return typeof state === 'string' && matchesAnySecret(state, keys);
		});
		return all ? accept() : reject('clientState does not match');
	},
};
