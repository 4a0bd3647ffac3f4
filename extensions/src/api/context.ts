// The slice of the Directus extension context our services use, so they can be built
// from a hook's or an endpoint's context alike.
import type { ApiExtensionContext } from '@directus/types';

export type ExtensionContext = Pick<ApiExtensionContext, 'services' | 'database' | 'getSchema' | 'logger' | 'env'>;
