// Which configured secrets a verifier may use, shared by every preset.

/** Empty secrets would let anyone sign or authenticate with nothing, so they are never used. */
export function usableSecrets(secrets: readonly unknown[]): string[] {
	return Array.isArray(secrets) ? secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length > 0) : [];
}
