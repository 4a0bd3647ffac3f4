// Decides whether an outbound webhook may connect to an address. The check runs on the
// addresses a connection is actually about to use (inside the socket's `lookup`), so a host
// name that resolves to a public address when saved and to a private one later (DNS
// rebinding) is still refused. IPv6 forms that carry an IPv4 address (mapped, compatible,
// NAT64, 6to4, Teredo) are judged by the IPv4 address they reach.
import dns from 'node:dns';
import type { LookupAddress, LookupAllOptions, LookupOptions } from 'node:dns';
import { isIPv4, isIPv6 } from 'node:net';
import type { LookupFunction } from 'node:net';
import os from 'node:os';

export const ALLOW_LIST_ENV = 'WEBHOOKS_IP_ALLOW_LIST';
export const DENY_LIST_ENV = 'IMPORT_IP_DENY_LIST';

// Directus's own default for IMPORT_IP_DENY_LIST, applied when the variable is absent.
const DIRECTUS_DEFAULT_DENY_LIST = ['0.0.0.0', '169.254.169.254'];
// In Directus's deny list this entry means "every address of this machine's interfaces".
const LOCAL_INTERFACES_ENTRY = '0.0.0.0';

export type GuardVerdict = { allowed: true } | { allowed: false; reason: string };

/** dns.lookup with `all: true`, replaceable so tests can resolve names without DNS. */
export type Resolver = (
	hostname: string,
	options: LookupAllOptions,
	callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface GuardLists {
	/** WEBHOOKS_IP_ALLOW_LIST: IPs, CIDRs, ranges (a-b) or host names; allow beats deny. */
	allowList?: string | readonly string[];
	/** IMPORT_IP_DENY_LIST: IPs, CIDRs or ranges (a-b); `0.0.0.0` = this machine's addresses. */
	denyList?: string | readonly string[];
}

export interface SsrfGuardOptions extends GuardLists {
	resolve?: Resolver;
	networkInterfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
}

export const SSRF_ERROR_CODE = 'ESSRF';

export class SsrfError extends Error {
	readonly code = SSRF_ERROR_CODE;
	override name = 'SsrfError';
}

interface Ip {
	version: 4 | 6;
	value: bigint;
}

interface Range {
	version: 4 | 6;
	first: bigint;
	last: bigint;
	entry: string;
}

/** An address as judged: what it connects to, and the IPv4 address it carries if any. */
interface Target {
	text: string;
	ip: Ip;
	/** How the IPv4 address is carried, for the reason: "NAT64 for 127.0.0.1". */
	note: string | null;
	embedded: Ip | null;
}

const V4_RULES = rules(4, [
	['0.0.0.0/8', 'a "this network" (unspecified) address'],
	['127.0.0.0/8', 'a loopback address'],
	['10.0.0.0/8', 'a private network address'],
	['172.16.0.0/12', 'a private network address'],
	['192.168.0.0/16', 'a private network address'],
	['100.64.0.0/10', 'a carrier-grade NAT address'],
	['169.254.169.254/32', 'the link-local cloud metadata address'],
	['169.254.0.0/16', 'a link-local address'],
	// Azure's virtual public IP: DHCP, DNS, health probes and the instance's wire server.
	['168.63.129.16/32', 'the Azure host (wire server) address'],
	['192.0.0.0/24', 'an IETF protocol assignment address'],
	['198.18.0.0/15', 'a benchmarking network address'],
	['192.0.2.0/24', 'a documentation (TEST-NET-1) address'],
	['198.51.100.0/24', 'a documentation (TEST-NET-2) address'],
	['203.0.113.0/24', 'a documentation (TEST-NET-3) address'],
	['224.0.0.0/4', 'a multicast address'],
	['255.255.255.255/32', 'the broadcast address'],
	['240.0.0.0/4', 'a reserved address'],
]);

const V6_RULES = rules(6, [
	['::/128', 'the unspecified address'],
	['::1/128', 'a loopback address'],
	['fc00::/7', 'a unique local (private) address'],
	['fe80::/10', 'a link-local address'],
	['fec0::/10', 'a site-local address'],
	['ff00::/8', 'a multicast address'],
	['2001:db8::/32', 'a documentation address'],
	// RFC 8215 lets operators embed IPv4 at any prefix length here, so it cannot be decoded.
	['64:ff9b:1::/48', 'a local-use NAT64 address'],
]);

const MASK_32 = 0xffffffffn;

export class SsrfGuard {
	private readonly allowRanges: Range[];
	private readonly allowHosts: Set<string>;
	private readonly denyRanges: Range[];
	private readonly denyLocalInterfaces: boolean;
	private readonly resolve: Resolver;
	private readonly networkInterfaces: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;

	constructor(options: SsrfGuardOptions = {}) {
		this.allowRanges = [];
		this.allowHosts = new Set();
		for (const entry of listEntries(options.allowList)) {
			const range = parseRangeEntry(entry);
			if (range) this.allowRanges.push(range);
			else if (isHostName(entry)) this.allowHosts.add(normalizeHost(entry));
			else throw badEntry(ALLOW_LIST_ENV, entry, 'an IP address, a CIDR range (such as 10.0.0.0/8), an IP range (a-b) or a host name');
		}

		this.denyRanges = [];
		this.denyLocalInterfaces = false;
		for (const entry of listEntries(options.denyList)) {
			if (entry === LOCAL_INTERFACES_ENTRY) {
				this.denyLocalInterfaces = true;
				continue;
			}
			const range = parseRangeEntry(entry);
			if (!range) throw badEntry(DENY_LIST_ENV, entry, 'an IP address, a CIDR range (such as 10.0.0.0/8) or an IP range (a-b)');
			this.denyRanges.push(range);
		}

		this.resolve = options.resolve ?? ((hostname, lookupOptions, callback) => dns.lookup(hostname, lookupOptions, callback));
		this.networkInterfaces = options.networkInterfaces ?? os.networkInterfaces;
	}

	/** Reads Directus's env; an absent IMPORT_IP_DENY_LIST gets Directus's default. */
	static fromEnv(env: Record<string, unknown>, options: Omit<SsrfGuardOptions, 'allowList' | 'denyList'> = {}): SsrfGuard {
		return new SsrfGuard({ ...options, ...SsrfGuard.listsFromEnv(env) });
	}

	/** The allow and deny lists as plain values (they can cross to a worker thread; a guard cannot). */
	static listsFromEnv(env: Record<string, unknown>): GuardLists {
		const deny = env[DENY_LIST_ENV];
		return { allowList: envList(env[ALLOW_LIST_ENV]), denyList: deny === undefined ? DIRECTUS_DEFAULT_DENY_LIST : envList(deny) };
	}

	/** `hostname` is the name the connection asked for, matched against host name allow entries. */
	check(address: string, hostname?: string): GuardVerdict {
		const target = toTarget(address);
		const host = hostname !== undefined && !parseIp(stripBrackets(hostname)) ? hostname : undefined;
		if (!target) return { allowed: false, reason: `refused: ${host ? `${host} resolves to ` : ''}"${address}", which is not an IP address` };
		if (host !== undefined && this.allowHosts.has(normalizeHost(host))) return { allowed: true };

		const candidates = target.embedded ? [target.ip, target.embedded] : [target.ip];
		if (candidates.some((ip) => inRanges(ip, this.allowRanges))) return { allowed: true };

		const refusal = (what: string) => ({ allowed: false as const, reason: refusalReason(target, host, what) });
		const builtIn = builtInLabel(target.ip) ?? (target.embedded ? builtInLabel(target.embedded) : null);
		if (builtIn) return refusal(builtIn);

		for (const ip of candidates) {
			const denied = this.denyRanges.find((range) => inRange(ip, range));
			if (denied) return refusal(`listed in ${DENY_LIST_ENV} as "${denied.entry}"`);
		}
		if (this.denyLocalInterfaces && candidates.some((ip) => this.isLocalInterface(ip))) {
			return refusal(`an address of this machine's network interfaces (${DENY_LIST_ENV} contains ${LOCAL_INTERFACES_ENTRY})`);
		}
		return { allowed: true };
	}

	/**
	 * For the `lookup` option of http.request, net.connect and agents: resolves like
	 * dns.lookup and fails with an SsrfError when any resolved address is refused.
	 */
	readonly lookup: LookupFunction = (hostname, options, callback) => {
		const { all, ...rest } = normalizeLookupOptions(options);
		this.resolve(hostname, { ...rest, all: true }, (error, addresses) => {
			if (error) return callback(error, all ? [] : '');
			if (addresses.length === 0) {
				const notFound: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
				notFound.code = 'ENOTFOUND';
				return callback(notFound, all ? [] : '');
			}
			for (const { address } of addresses) {
				const verdict = this.check(address, hostname);
				if (!verdict.allowed) return callback(new SsrfError(verdict.reason), all ? [] : '');
			}
			if (all) callback(null, addresses);
			else callback(null, addresses[0].address, addresses[0].family);
		});
	};

	/** Node connects to IP literals without calling `lookup`, so those are checked here. */
	assertUrl(url: URL): void {
		const host = stripBrackets(url.hostname);
		if (!parseIp(host)) return;
		const verdict = this.check(host);
		if (!verdict.allowed) throw new SsrfError(verdict.reason);
	}

	private isLocalInterface(ip: Ip): boolean {
		for (const infos of Object.values(this.networkInterfaces())) {
			for (const info of infos ?? []) {
				const local = toTarget(info.address);
				if (local && local.ip.version === ip.version && local.ip.value === ip.value) return true;
			}
		}
		return false;
	}
}

function refusalReason(target: Target, host: string | undefined, what: string): string {
	const via = target.note ? ` (${target.note})` : '';
	const subject = host ? `${host} resolves to ${target.text}${via}, which` : `${target.text}${via}`;
	const hint = host ? `add ${target.text} or ${host} to ${ALLOW_LIST_ENV} to allow` : `add it to ${ALLOW_LIST_ENV} to allow`;
	return `refused: ${subject} is ${what} (${hint})`;
}

function builtInLabel(ip: Ip): string | null {
	const table = ip.version === 4 ? V4_RULES : V6_RULES;
	return table.find((rule) => inRange(ip, rule.range))?.label ?? null;
}

/**
 * IPv4-mapped addresses are IPv4 connections, so they become IPv4 here; the other
 * embeddings keep their IPv6 address and carry the IPv4 one they lead to.
 */
function toTarget(text: string): Target | null {
	const ip = parseIp(text);
	if (!ip) return null;
	if (ip.version === 4) return { text, ip, note: null, embedded: null };
	const v = ip.value;
	const low32: Ip = { version: 4, value: v & MASK_32 };
	const carrying = (embedded: Ip, kind: string): Target => ({ text, ip, note: `${kind} ${formatV4(embedded.value)}`, embedded });
	if (v >> 32n === 0xffffn) return { text, ip: low32, note: `IPv4-mapped ${formatV4(low32.value)}`, embedded: null };
	// :: and ::1 are IPv6 addresses of their own, not IPv4-compatible ones.
	if (v >> 32n === 0n && v > 1n) return carrying(low32, 'IPv4-compatible');
	if (v >> 32n === 0xffff0000n) return carrying(low32, 'IPv4-translated');
	if (v >> 32n === 0x0064ff9b_0000_0000_0000_0000n) return carrying(low32, 'NAT64 for');
	if (v >> 112n === 0x2002n) return carrying({ version: 4, value: (v >> 80n) & MASK_32 }, '6to4 for');
	// Teredo stores the client's IPv4 address inverted in the last 32 bits.
	if (v >> 96n === 0x20010000n) return carrying({ version: 4, value: ~v & MASK_32 }, 'Teredo for');
	return { text, ip, note: null, embedded: null };
}

function inRanges(ip: Ip, ranges: readonly Range[]): boolean {
	return ranges.some((range) => inRange(ip, range));
}

// An IPv4 address also matches IPv6 entries covering its mapped form (e.g. ::ffff:0:0/96).
function inRange(ip: Ip, range: Range): boolean {
	let value = ip.value;
	if (ip.version !== range.version) {
		if (ip.version === 6) return false;
		value = (0xffffn << 32n) | value;
	}
	return value >= range.first && value <= range.last;
}

function rules(version: 4 | 6, table: [string, string][]): { range: Range; label: string }[] {
	return table.map(([cidr, label]) => {
		const range = parseRangeEntry(cidr);
		if (!range || range.version !== version) throw new Error(`bad built-in rule ${cidr}`);
		return { range, label };
	});
}

/** An IP, CIDR or `first-last` range; mapped IPv6 entries become IPv4 ones. Null when not one. */
function parseRangeEntry(entry: string): Range | null {
	const slash = entry.indexOf('/');
	if (slash !== -1) {
		const ip = parseIp(entry.slice(0, slash));
		const prefixText = entry.slice(slash + 1);
		if (!ip || !/^\d{1,3}$/.test(prefixText)) return null;
		const bits = ip.version === 4 ? 32 : 128;
		const prefix = Number(prefixText);
		if (prefix > bits) return null;
		const hostMask = (1n << BigInt(bits - prefix)) - 1n;
		return mappedToV4({ version: ip.version, first: ip.value & ~hostMask, last: ip.value | hostMask, entry });
	}
	const dash = entry.indexOf('-');
	if (dash !== -1) {
		const first = parseIp(entry.slice(0, dash).trim());
		const last = parseIp(entry.slice(dash + 1).trim());
		if (!first || !last || first.version !== last.version || first.value > last.value) return null;
		return mappedToV4({ version: first.version, first: first.value, last: last.value, entry });
	}
	const ip = parseIp(entry);
	return ip ? mappedToV4({ version: ip.version, first: ip.value, last: ip.value, entry }) : null;
}

function mappedToV4(range: Range): Range {
	const mapped = 0xffffn << 32n;
	if (range.version === 6 && range.first >> 32n === 0xffffn && range.last >> 32n === 0xffffn) {
		return { version: 4, first: range.first ^ mapped, last: range.last ^ mapped, entry: range.entry };
	}
	return range;
}

function parseIp(text: string): Ip | null {
	if (isIPv4(text)) return { version: 4, value: parseV4(text) };
	const withoutZone = text.includes('%') ? text.slice(0, text.indexOf('%')) : text;
	if (!isIPv6(withoutZone)) return null;
	return { version: 6, value: parseV6(withoutZone) };
}

function parseV4(text: string): bigint {
	return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

// Input is already validated by net.isIPv6.
function parseV6(text: string): bigint {
	let source = text.toLowerCase();
	const lastColon = source.lastIndexOf(':');
	const tail = source.slice(lastColon + 1);
	if (tail.includes('.')) {
		const v4 = parseV4(tail);
		source = `${source.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
	}
	const [head, rest] = source.split('::') as [string, string | undefined];
	const groups = (part: string) => (part === '' ? [] : part.split(':'));
	const left = groups(head);
	const right = rest === undefined ? [] : groups(rest);
	const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
	return all.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function formatV4(value: bigint): string {
	return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
}

function stripBrackets(host: string): string {
	return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

// RFC 1123 labels (underscores tolerated, as in service names); a numeric last label
// would make a malformed IPv4 address pass as a name.
function isHostName(entry: string): boolean {
	const name = entry.endsWith('.') ? entry.slice(0, -1) : entry;
	if (name.length === 0 || name.length > 253) return false;
	const labels = name.split('.');
	if (/^\d+$/.test(labels[labels.length - 1])) return false;
	return labels.every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i.test(label));
}

function normalizeHost(host: string): string {
	const lower = host.toLowerCase();
	return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function listEntries(list: string | readonly string[] | undefined): string[] {
	const items = typeof list === 'string' ? list.split(',') : (list ?? []);
	return items.map((item) => item.trim()).filter((item) => item.length > 0);
}

// Directus casts IMPORT_IP_DENY_LIST to an array; our own variable may arrive as a string.
function envList(value: unknown): string | string[] {
	if (value === undefined || value === null || value === false) return [];
	if (Array.isArray(value)) return value.map((item) => String(item));
	return String(value);
}

function badEntry(variable: string, entry: string, expected: string): Error {
	return new Error(`Invalid ${variable} entry "${entry}": expected ${expected}`);
}

function normalizeLookupOptions(options: LookupOptions | number | undefined): LookupOptions {
	if (typeof options === 'number') return { family: options };
	return options ?? {};
}
