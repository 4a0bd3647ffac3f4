// Tells, while a URL is typed, that its host is a loopback or private address written literally
// (or `localhost`): the server refuses those at connect time unless WEBHOOKS_IP_ALLOW_LIST admits
// them, which a new user otherwise learns only from a failed delivery. Names that resolve to such
// addresses are left to the server; this is a hint, not the guard.

type Kind = 'loopback' | 'private' | 'link-local' | 'unspecified';

const V4_RANGES: [number, number, number, Kind][] = [
	// first octet, second octet from, second octet to
	[127, 0, 255, 'loopback'],
	[10, 0, 255, 'private'],
	[172, 16, 31, 'private'],
	[192, 168, 168, 'private'],
	[100, 64, 127, 'private'],
	[169, 254, 254, 'link-local'],
	[0, 0, 255, 'unspecified'],
];

function v4Kind(host: string): Kind | null {
	const parts = host.split('.');
	if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return null;
	const [first, second] = parts.map(Number) as [number, number];
	return V4_RANGES.find(([octet, from, to]) => first === octet && second >= from && second <= to)?.[3] ?? null;
}

function v6Kind(host: string): Kind | null {
	const address = host.toLowerCase();
	if (address === '::1') return 'loopback';
	if (address === '::') return 'unspecified';
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
	if (mapped) return v4Kind(mapped[1]!);
	if (/^f[cd][0-9a-f]{0,2}:/.test(address)) return 'private';
	if (/^fe[89ab][0-9a-f]?:/.test(address)) return 'link-local';
	return null;
}

/** The refused host and why, or null for a public or unparsable URL. */
export function refusedHost(url: unknown): { host: string; kind: Kind } | null {
	if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return null;
	let hostname: string;
	try {
		hostname = new URL(url).hostname;
	} catch {
		return null;
	}
	if (hostname === 'localhost' || hostname.endsWith('.localhost')) return { host: hostname, kind: 'loopback' };
	const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
	const kind = bare === hostname ? v4Kind(bare) : v6Kind(bare);
	return kind === null ? null : { host: bare, kind };
}
