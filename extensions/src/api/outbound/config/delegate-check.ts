// A non-admin may configure a webhook only on what they may read themselves: the collections,
// the fields named in `fields`, `watch_fields`, `filter` and `previous_filter`, and an `item_role` they hold.
// Checked by reading as the caller through ItemsService (limit 1), so Directus's own permission
// rules decide; every problem is reported at once.
import { ForbiddenError } from '@directus/errors';
import type { Knex } from 'knex';
import type { FieldError } from '../../../shared/webhook';
import type { Accountability, ExtensionContext, SchemaOverview } from '../../context';
import { toBool, toCsv, toJson } from '../../db/rows';

export interface WriteContext {
	knex: Knex;
	schema: SchemaOverview;
	accountability: Accountability;
}

/** The parts of a webhook's config that name data, from validated input or a stored row. */
export interface WebhookScope {
	collections: string[];
	fields: string[];
	watchFields: string[];
	filter: Record<string, unknown> | null;
	previousFilter: Record<string, unknown> | null;
	includePrevious: boolean;
	itemRole: string | null;
}

export function scopeOf(row: Record<string, unknown>): WebhookScope {
	return {
		collections: toCsv(row.collections),
		fields: toCsv(row.fields),
		watchFields: toCsv(row.watch_fields),
		filter: toJson<Record<string, unknown> | null>(row.filter, null),
		previousFilter: toJson<Record<string, unknown> | null>(row.previous_filter, null),
		includePrevious: toBool(row.include_previous),
		itemRole: typeof row.item_role === 'string' && row.item_role !== '' ? row.item_role : null,
	};
}

export class DelegateCheck {
	private readonly services: ExtensionContext['services'];

	constructor(services: ExtensionContext['services']) {
		this.services = services;
	}

	/**
	 * Directus checks write permissions after the filter hooks that call us: a caller without
	 * them gets its 403 here, before our 400 could describe a webhook they may not touch.
	 * Collection-wide, from the policies attached to the caller (as Directus finds them).
	 */
	async assertMayWrite(write: WriteContext, collection: string, action: 'create' | 'update'): Promise<void> {
		const { knex, accountability } = write;
		const roles = accountability.roles ?? [];
		const policies = knex('directus_access')
			.select('policy')
			.where((query) => {
				if (roles.length > 0) query.whereIn('role', roles);
				else query.whereNull('role').whereNull('user');
				if (accountability.user) query.orWhere('user', accountability.user);
			});
		const permission = await knex('directus_permissions').first('id').where({ collection, action }).whereIn('policy', policies);
		if (!permission) throw new ForbiddenError();
	}

	/**
	 * Throws Directus's own 403 unless the caller may update these items: an update that writes
	 * nothing, run as the caller through ItemsService, so their item permissions decide.
	 */
	async assertMayUpdate(write: Omit<WriteContext, 'accountability'> & { accountability: Accountability | null }, collection: string, keys: (string | number)[]): Promise<void> {
		const { knex, schema, accountability } = write;
		if (!accountability || accountability.admin || keys.length === 0) return;
		const items = new this.services.ItemsService(collection, { knex, schema, accountability });
		await items.updateMany(keys, {}, { emitEvents: false, skipTracking: true });
	}

	async problems(scope: WebhookScope, write: WriteContext): Promise<FieldError[]> {
		const errors: FieldError[] = [];
		const { schema, accountability } = write;
		const readable: string[] = [];
		const unreadable: string[] = [];
		for (const collection of scope.collections) {
			const primary = schema.collections[collection]?.primary;
			if (primary && (await this.canRead(write, collection, { fields: [primary] }))) readable.push(collection);
			else unreadable.push(collection);
		}
		if (unreadable.length > 0) {
			errors.push({ field: 'collections', reason: `you cannot read ${quoteAll(unreadable)}` });
			if (scope.includePrevious) errors.push({ field: 'include_previous', reason: `needs read access to ${quoteAll(unreadable)}` });
		}

		for (const [name, fields] of [['fields', scope.fields], ['watch_fields', scope.watchFields]] as const) {
			const bad = await this.unreadableFields(write, readable, fields);
			if (bad.length > 0) errors.push({ field: name, reason: `you cannot read ${quoteAll(bad)}` });
		}
		for (const [name, filter] of [['filter', scope.filter], ['previous_filter', scope.previousFilter]] as const) {
			const problem = filter ? await this.filterProblem(write, readable, filter) : null;
			if (problem) errors.push({ field: name, reason: problem });
		}
		if (scope.itemRole && !(accountability.roles ?? []).includes(scope.itemRole) && scope.itemRole !== accountability.role) {
			errors.push({ field: 'item_role', reason: 'you may only name a role you hold' });
		}
		return errors;
	}

	/** Why the caller may not use this filter, or null: its fields first, then relational paths and operators, by running it as the caller. */
	private async filterProblem(write: WriteContext, collections: string[], filter: Record<string, unknown>): Promise<string | null> {
		const top = filterFields(filter);
		const bad = await this.unreadableFields(write, collections, top);
		if (bad.length > 0) return `you cannot read ${quoteAll(bad)}`;
		for (const collection of collections) {
			const info = write.schema.collections[collection]!;
			if (!top.every((field) => field in info.fields)) continue;
			if (!(await this.canRead(write, collection, { fields: [info.primary], filter }))) return `uses data of "${collection}" you cannot read`;
		}
		return null;
	}

	/** Fields not readable in some readable collection that has them. */
	private async unreadableFields(write: WriteContext, collections: string[], fields: string[]): Promise<string[]> {
		const bad: string[] = [];
		for (const field of new Set(fields)) {
			for (const collection of collections) {
				// A relational path ("author.email") is read as such: Directus checks every step.
				if (!(field.split('.')[0]! in write.schema.collections[collection]!.fields)) continue;
				if (!(await this.canRead(write, collection, { fields: [field] }))) {
					bad.push(field);
					break;
				}
			}
		}
		return bad;
	}

	private async canRead(write: WriteContext, collection: string, query: Record<string, unknown>): Promise<boolean> {
		const items = new this.services.ItemsService(collection, { knex: write.knex, schema: write.schema, accountability: write.accountability });
		try {
			await items.readByQuery({ ...query, limit: 1 } as never, { emitEvents: false });
			return true;
		} catch {
			return false;
		}
	}
}

/** The field names a filter tests at its top level (inside _and/_or too). */
export function filterFields(filter: unknown): string[] {
	const found = new Set<string>();
	const walk = (node: unknown) => {
		if (Array.isArray(node)) return node.forEach(walk);
		if (!node || typeof node !== 'object') return;
		for (const [key, value] of Object.entries(node)) {
			if (key === '_and' || key === '_or') walk(value);
			else if (!key.startsWith('_')) found.add(key.split('.')[0]!);
		}
	};
	walk(filter);
	return [...found];
}

function quoteAll(names: string[]): string {
	return names.map((name) => `"${name}"`).join(', ');
}
