// IP addresses and CIDR ranges as typed into an endpoint's IP allow list. Shared by the API and the
// app, so it parses without Node: IPv6 is checked by the URL parser every runtime has.

export interface IpRange {
	address: string;
	/** Bits of the address that must match: 32 or 128 for a single address. */
	prefix: number;
	version: 4 | 6;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const PREFIX = /^\d{1,3}$/;

function isIpv4(text: string): boolean {
	const match = IPV4.exec(text);
	return match !== null && match.slice(1).every((octet) => Number(octet) <= 255);
}

function isIpv6(text: string): boolean {
	// Zones (%eth0) name an interface of this machine, never a caller's address.
	if (!text.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(text)) return false;
	try {
		new URL(`http://[${text}]/`);
		return true;
	} catch {
		return false;
	}
}

/** `203.0.113.7`, `198.51.100.0/24`, `2001:db8::1` or `2001:db8::/32`; null for anything else. */
export function parseIpRange(entry: string): IpRange | null {
	const [address = '', prefixText, extra] = entry.trim().split('/');
	if (extra !== undefined) return null;
	const version = isIpv4(address) ? 4 : isIpv6(address) ? 6 : null;
	if (version === null) return null;
	const bits = version === 4 ? 32 : 128;
	if (prefixText === undefined) return { address, prefix: bits, version };
	if (!PREFIX.test(prefixText) || Number(prefixText) > bits) return null;
	return { address, prefix: Number(prefixText), version };
}
