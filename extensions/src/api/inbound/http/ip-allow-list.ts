// An endpoint's IP allow list as a lookup, built once per config load with Node's BlockList
// (which matches IPv4-mapped IPv6 addresses such as ::ffff:203.0.113.7 against IPv4 ranges too).
import { BlockList, isIP } from 'node:net';
import { parseIpRange } from '../../../shared/ip-range';

export interface IpAllowList {
	allows(address: string | undefined): boolean;
}

/** Null when the list is empty (anyone may call); entries that do not parse are skipped (validation refuses them on write). */
export function ipAllowList(entries: readonly string[]): IpAllowList | null {
	const list = new BlockList();
	let count = 0;
	for (const entry of entries) {
		const range = typeof entry === 'string' ? parseIpRange(entry) : null;
		if (range === null) continue;
		list.addSubnet(range.address, range.prefix, range.version === 4 ? 'ipv4' : 'ipv6');
		count += 1;
	}
	// Entries given but none usable: nobody is allowed, rather than everybody.
	if (count === 0) return entries.length === 0 ? null : { allows: () => false };
	return {
		allows(address) {
			const version = address === undefined ? 0 : isIP(address);
			return version !== 0 && list.check(address!, version === 4 ? 'ipv4' : 'ipv6');
		},
	};
}
