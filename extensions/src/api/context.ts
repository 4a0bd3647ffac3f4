// Types of the Directus extension context, taken from the SDK's own signatures so they always
// match the SDK we build with.
import type { defineEndpoint, defineHook } from '@directus/extensions-sdk';

type HookContext = Parameters<Parameters<typeof defineHook>[0]>[1];
type EndpointConfig = Exclude<Parameters<typeof defineEndpoint>[0], (...args: never[]) => unknown>;
type EndpointHandler = EndpointConfig['handler'];

/** The slice of the context our services use, so a hook's or an endpoint's context both fit. */
export type ExtensionContext = Pick<HookContext, 'services' | 'database' | 'getSchema' | 'logger' | 'env'>;
export type SchemaOverview = Awaited<ReturnType<HookContext['getSchema']>>;
export type Router = Parameters<EndpointHandler>[0];
export type Accountability = { admin: boolean; app: boolean; role: string | null; roles: string[]; user: string | null; ip: string | null };

/** Full rights for the extension's own bookkeeping (schema install, cache refresh). */
export const SYSTEM_ACCOUNTABILITY: Accountability = { admin: true, app: false, role: null, roles: [], user: null, ip: null };
