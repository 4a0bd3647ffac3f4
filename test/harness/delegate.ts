// A delegated role for the security tests: a policy holding the permissions a test grants, a role
// with that policy and a user of that role signing in with a static token; and the webhook helpers
// those tests share (create as someone, what a path received, a delivery once it has settled).
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { ApiClient } from './client.ts';
import type { ReceivedRequest, Receiver } from './receiver.ts';
import { until } from './wait.ts';

export interface Delegate {
	user: string;
	role: string;
	policy: string;
	/** Adds one permission to the delegate's policy; returns its id. */
	grant(collection: string, action: string, fields?: string[], permissions?: Record<string, unknown>): Promise<number>;
	/** Deletes the user, the role and the policy. */
	remove(): Promise<void>;
}

/** The `data` of a response that must succeed. */
export async function ok(response: Promise<{ status: number; body: any }>): Promise<any> {
	const done = await response;
	expect(done.status, JSON.stringify(done.body)).toBe(200);
	return done.body.data;
}

/** A delegate `<tag>@example.com` whose requests carry `token`; without permissions until granted. */
export async function createDelegate(admin: ApiClient, tag: string, token: string): Promise<Delegate> {
	const policy = await ok(admin.post('/policies', { name: `${tag} delegate`, app_access: true, admin_access: false }));
	const role = await ok(admin.post('/roles', { name: `${tag} delegate` }));
	await ok(admin.post('/access', { role: role.id, policy: policy.id }));
	const user = await ok(admin.post('/users', { email: `${tag}@example.com`, password: randomBytes(12).toString('hex'), role: role.id, token }));
	return {
		user: user.id,
		role: role.id,
		policy: policy.id,
		grant: async (collection, action, fields = ['*'], permissions = {}) => (await ok(admin.post('/permissions', { policy: policy.id, collection, action, fields, permissions }))).id,
		remove: async () => {
			await admin.delete(`/users/${user.id}`);
			await admin.delete(`/roles/${role.id}`);
			await admin.delete(`/policies/${policy.id}`);
		},
	};
}

/** Creates a webhook as `client`; returns its id. */
export async function createWebhookAs(client: ApiClient, body: Record<string, unknown>): Promise<number> {
	return (await ok(client.post('/webhooks', body))).id;
}

/** What the receiver got at `path`. */
export function receivedAt(receiver: Receiver, path: string): ReceivedRequest[] {
	return receiver.requests.filter((request) => request.path === path);
}

/** The statuses a delivery ends in. */
export const SETTLED = ['succeeded', 'skipped', 'failed'];

/** The delivery of `webhook` for the item once it is sent, skipped or failed, as the admin sees it. */
export async function settledDelivery(admin: ApiClient, webhook: number, key: number | string): Promise<{ id: number; status: string; last_error: string | null }> {
	const row = await until(
		async () => (await admin.get(`/webhooks/${webhook}/deliveries?filter[item_key][_eq]=${key}`)).body.data?.[0],
		(found: { status?: string } | undefined) => found !== undefined && SETTLED.includes(found.status ?? ''),
	);
	return row as { id: number; status: string; last_error: string | null };
}
