// Who a webhook acts for at delivery time: its creator, last editor and last non-admin editor
// (user_created, user_updated, scope_owner). Their Directus accountability is rebuilt from
// public data (the user, their role and its parents, the policies attached to either), cached
// for a few seconds, so a webhook never sends what those users could not read themselves.
import type { Knex } from 'knex';
import type { Accountability } from '../../context';

const TTL_MS = 5_000;

/** An owner as deliveries see them: full rights, a user's accountability, or a reason to skip. */
export type Owner = { kind: 'admin' } | { kind: 'user'; accountability: Accountability } | { kind: 'gone'; reason: string };

export class OwnerAccountability {
	private readonly knex: Knex;
	private readonly cache = new Map<string, { owner: Promise<Owner>; expires: number }>();

	constructor(knex: Knex) {
		this.knex = knex;
	}

	get(user: string, now = Date.now()): Promise<Owner> {
		const cached = this.cache.get(user);
		if (cached && cached.expires > now) return cached.owner;
		const owner = this.load(user);
		this.cache.set(user, { owner, expires: now + TTL_MS });
		// A failed read is not remembered.
		owner.catch(() => this.cache.delete(user));
		return owner;
	}

	private async load(id: string): Promise<Owner> {
		const user = await this.knex('directus_users').first('id', 'role', 'status').where({ id });
		if (!user) return { kind: 'gone', reason: "the webhook's owner no longer exists" };
		if (user.status !== 'active') return { kind: 'gone', reason: `the webhook's owner is ${String(user.status)}` };
		const roles = await this.rolesFrom((user.role as string | null) ?? null);
		const access = await this.knex('directus_access')
			.select('policy')
			.where({ user: id })
			.modify((query: Knex.QueryBuilder) => {
				if (roles.length > 0) query.orWhereIn('role', roles);
			});
		const policyIds: string[] = [...new Set((access as { policy: string }[]).map((row) => row.policy))];
		const all: { admin_access: unknown; app_access: unknown; ip_access: unknown }[] =
			policyIds.length > 0 ? await this.knex('directus_policies').select('admin_access', 'app_access', 'ip_access').whereIn('id', policyIds) : [];
		// Directus applies a policy limited to IP addresses only to requests from them: an owner
		// rebuilt here has no address, so such policies give no admin or app access.
		const policies = all.filter((policy) => !limitedByIp(policy.ip_access));
		const flag = (value: unknown) => value === true || value === 1 || value === '1' || value === 'true';
		if (policies.some((policy) => flag(policy.admin_access))) return { kind: 'admin' };
		return {
			kind: 'user',
			accountability: { user: id, role: (user.role as string | null) ?? null, roles, admin: false, app: policies.some((policy) => flag(policy.app_access)), ip: null },
		};
	}

	/** The role and its parents, outermost first, as Directus orders them. */
	private async rolesFrom(role: string | null): Promise<string[]> {
		const roles: string[] = [];
		for (let current = role; current && !roles.includes(current); ) {
			const row = await this.knex('directus_roles').first('id', 'parent').where({ id: current });
			if (!row) break;
			roles.unshift(String(row.id));
			current = (row.parent as string | null | undefined) ?? null;
		}
		return roles;
	}
}

function limitedByIp(value: unknown): boolean {
	return Array.isArray(value) ? value.length > 0 : typeof value === 'string' && value.trim() !== '';
}
