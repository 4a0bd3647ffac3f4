// The preset of an endpoint without authentication: every request is accepted as unverified.
import type { Verifier } from './types';
import { accept } from './verdict';

/** Public endpoints: anyone may call them. */
export const none: Verifier<unknown> = {
	verify: () => accept(),
};
