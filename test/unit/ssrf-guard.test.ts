import type { LookupAddress } from 'node:dns';
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { SsrfError, SsrfGuard } from '../../extensions/src/api/outbound/transport/ssrf-guard';
import type { Resolver } from '../../extensions/src/api/outbound/transport/ssrf-guard';

const guard = new SsrfGuard();

function reasonOf(subject: SsrfGuard, address: string, hostname?: string): string | null {
	const verdict = subject.check(address, hostname);
	return verdict.allowed ? null : verdict.reason;
}

describe('built-in classification', () => {
	// [address, fragment of the reason]
	const refused: [string, string][] = [
		['0.0.0.0', '"this network"'],
		['0.255.255.255', '"this network"'],
		['127.0.0.1', 'loopback'],
		['127.255.255.254', 'loopback'],
		['10.0.0.0', 'private network'],
		['10.255.255.255', 'private network'],
		['172.16.0.0', 'private network'],
		['172.31.255.255', 'private network'],
		['192.168.0.1', 'private network'],
		['192.168.255.255', 'private network'],
		['100.64.0.0', 'carrier-grade NAT'],
		['100.127.255.255', 'carrier-grade NAT'],
		['169.254.169.254', 'cloud metadata'],
		['169.254.0.1', 'link-local'],
		['169.254.255.255', 'link-local'],
		['168.63.129.16', 'Azure host'],
		['192.0.0.0', 'IETF protocol assignment'],
		['192.0.0.255', 'IETF protocol assignment'],
		['198.18.0.0', 'benchmarking'],
		['198.19.255.255', 'benchmarking'],
		['224.0.0.1', 'multicast'],
		['239.255.255.255', 'multicast'],
		['240.0.0.1', 'reserved'],
		['254.255.255.255', 'reserved'],
		['255.255.255.255', 'broadcast'],
		['::', 'unspecified'],
		['::1', 'loopback'],
		['0:0:0:0:0:0:0:1', 'loopback'],
		['fc00::1', 'unique local'],
		['fd00:ec2::254', 'unique local'],
		['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'unique local'],
		['fe80::1', 'link-local'],
		['fe80::1%eth0', 'link-local'],
		['FE80::ABCD', 'link-local'],
		['febf:ffff::1', 'link-local'],
		['fec0::1', 'site-local'],
		['feff::1', 'site-local'],
		['ff02::1', 'multicast'],
		['ff0e::101', 'multicast'],
		['64:ff9b:1::a00:1', 'local-use NAT64'],
		['192.0.2.1', 'documentation'],
		['198.51.100.255', 'documentation'],
		['203.0.113.7', 'documentation'],
		['2001:db8::1', 'documentation'],
	];
	it.each(refused)('refuses %s', (address, fragment) => {
		const reason = reasonOf(guard, address);
		expect(reason).toContain(fragment);
		expect(reason).toMatch(/^refused: /);
	});

	const allowed = [
		'1.1.1.1',
		'8.8.8.8',
		'9.255.255.255',
		'11.0.0.0',
		'172.15.255.255',
		'172.32.0.0',
		'192.167.255.255',
		'192.169.0.0',
		'100.63.255.255',
		'100.128.0.0',
		'169.253.255.255',
		'169.255.0.0',
		'192.0.1.0',
		'198.17.255.255',
		'198.20.0.0',
		'223.255.255.255',
		'126.255.255.255',
		'128.0.0.0',
		'2606:4700:4700::1111',
		'2001:4860:4860::8888',
		'fbff:ffff::1',
		'fe7f::1',
		'fe00::1',
		'::2:1:0:0:0',
		'64:ff9b:2::1',
		'192.0.3.0',
		'198.51.101.0',
		'203.0.114.0',
		'2001:db9::1',
	];
	it.each(allowed)('allows %s', (address) => {
		expect(guard.check(address)).toEqual({ allowed: true });
	});

	it('gives a reason that names the address, its kind and the way out', () => {
		expect(reasonOf(guard, '127.0.0.1')).toBe('refused: 127.0.0.1 is a loopback address (add it to WEBHOOKS_IP_ALLOW_LIST to allow)');
	});

	it('names the requested host and the address it resolved to', () => {
		expect(reasonOf(guard, '10.1.2.3', 'intranet.example')).toBe(
			'refused: intranet.example resolves to 10.1.2.3, which is a private network address (add 10.1.2.3 or intranet.example to WEBHOOKS_IP_ALLOW_LIST to allow)',
		);
	});

	it('refuses what is not an IP address', () => {
		for (const address of ['', 'localhost', '127.0.0.1.', '256.0.0.1', '1.2.3', '::ffff:1.2.3.256', '[::1]', '2130706433']) {
			expect(reasonOf(guard, address), address).toContain('not an IP address');
		}
	});
});

describe('IPv6 forms that carry an IPv4 address', () => {
	// [address, fragment naming the carried IPv4 address, kind]
	const refused: [string, string, string][] = [
		['::ffff:127.0.0.1', 'IPv4-mapped 127.0.0.1', 'loopback'],
		['::ffff:7f00:1', 'IPv4-mapped 127.0.0.1', 'loopback'],
		['::FFFF:7F00:0001', 'IPv4-mapped 127.0.0.1', 'loopback'],
		['0:0:0:0:0:ffff:7f00:1', 'IPv4-mapped 127.0.0.1', 'loopback'],
		['0000:0000:0000:0000:0000:ffff:127.0.0.1', 'IPv4-mapped 127.0.0.1', 'loopback'],
		['::ffff:10.0.0.1', 'IPv4-mapped 10.0.0.1', 'private network'],
		['::ffff:a9fe:a9fe', 'IPv4-mapped 169.254.169.254', 'cloud metadata'],
		['::ffff:0.0.0.0', 'IPv4-mapped 0.0.0.0', '"this network"'],
		['::ffff:ffff:ffff', 'IPv4-mapped 255.255.255.255', 'broadcast'],
		['::127.0.0.1', 'IPv4-compatible 127.0.0.1', 'loopback'],
		['::7f00:1', 'IPv4-compatible 127.0.0.1', 'loopback'],
		['::192.168.1.1', 'IPv4-compatible 192.168.1.1', 'private network'],
		['::0.0.0.2', 'IPv4-compatible 0.0.0.2', '"this network"'],
		['::ffff:0:127.0.0.1', 'IPv4-translated 127.0.0.1', 'loopback'],
		['::ffff:0:a00:1', 'IPv4-translated 10.0.0.1', 'private network'],
		['64:ff9b::127.0.0.1', 'NAT64 for 127.0.0.1', 'loopback'],
		['64:ff9b::7f00:1', 'NAT64 for 127.0.0.1', 'loopback'],
		['64:ff9b::a9fe:a9fe', 'NAT64 for 169.254.169.254', 'cloud metadata'],
		['64:ff9b::c0a8:101', 'NAT64 for 192.168.1.1', 'private network'],
		['2002:7f00:1::', '6to4 for 127.0.0.1', 'loopback'],
		['2002:7f00:0001:1234::5', '6to4 for 127.0.0.1', 'loopback'],
		['2002:a00:1::1', '6to4 for 10.0.0.1', 'private network'],
		['2002:a9fe:a9fe::', '6to4 for 169.254.169.254', 'cloud metadata'],
		['2002:6440:1::', '6to4 for 100.64.0.1', 'carrier-grade NAT'],
		// Teredo: the client address is stored inverted (~127.0.0.1 = 80ff:fffe).
		['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo for 127.0.0.1', 'loopback'],
		['2001::f5ff:fffe', 'Teredo for 10.0.0.1', 'private network'],
	];
	it.each(refused)('refuses %s', (address, carried, kind) => {
		const reason = reasonOf(guard, address);
		expect(reason).toContain(`${address} (${carried})`);
		expect(reason).toContain(kind);
	});

	it.each(['::ffff:8.8.8.8', '::ffff:808:808', '::8.8.8.8', '::ffff:0:808:808', '64:ff9b::8.8.8.8', '2002:808:808::1', '2001:0:4136:e378:8000:63bf:f7f7:f7f7'])(
		'allows %s, which carries the public 8.8.8.8',
		(address) => {
			expect(guard.check(address)).toEqual({ allowed: true });
		},
	);
});

describe('WEBHOOKS_IP_ALLOW_LIST', () => {
	it('re-admits a single IPv4 address and nothing next to it', () => {
		const subject = new SsrfGuard({ allowList: '127.0.0.1' });
		expect(subject.check('127.0.0.1')).toEqual({ allowed: true });
		expect(subject.check('::ffff:127.0.0.1')).toEqual({ allowed: true });
		expect(subject.check('::ffff:7f00:1')).toEqual({ allowed: true });
		expect(reasonOf(subject, '127.0.0.2')).toContain('loopback');
		expect(reasonOf(subject, '::1')).toContain('loopback');
	});

	it('re-admits an IPv4 CIDR, including its mapped and embedded forms', () => {
		const subject = new SsrfGuard({ allowList: ' 10.0.0.0/8 , 192.168.10.0/24 ' });
		for (const address of ['10.0.0.0', '10.1.2.3', '10.255.255.255', '::ffff:10.1.2.3', '64:ff9b::a01:203', '2002:a01:203::', '192.168.10.77']) {
			expect(subject.check(address), address).toEqual({ allowed: true });
		}
		for (const address of ['192.168.11.1', '172.16.0.1', '127.0.0.1', '::ffff:192.168.11.1']) {
			expect(subject.check(address).allowed, address).toBe(false);
		}
	});

	it('normalises CIDR host bits', () => {
		const subject = new SsrfGuard({ allowList: '10.1.2.3/16' });
		expect(subject.check('10.1.255.255')).toEqual({ allowed: true });
		expect(subject.check('10.2.0.0').allowed).toBe(false);
	});

	it('re-admits IPv6 addresses and CIDRs', () => {
		const subject = new SsrfGuard({ allowList: 'fd00:ec2::/32,fe80::1,::1' });
		expect(subject.check('fd00:ec2::254')).toEqual({ allowed: true });
		expect(subject.check('fd00:ec2:ffff:ffff:ffff:ffff:ffff:ffff')).toEqual({ allowed: true });
		expect(subject.check('fe80::1')).toEqual({ allowed: true });
		expect(subject.check('fe80::1%lo')).toEqual({ allowed: true });
		expect(subject.check('::1')).toEqual({ allowed: true });
		expect(reasonOf(subject, 'fd00:ec3::1')).toContain('unique local');
		expect(reasonOf(subject, 'fe80::2')).toContain('link-local');
		expect(reasonOf(subject, '127.0.0.1')).toContain('loopback');
	});

	it('treats mapped IPv6 entries as the IPv4 addresses they map', () => {
		const subject = new SsrfGuard({ allowList: '::ffff:127.0.0.1,::ffff:10.0.0.0/104' });
		expect(subject.check('127.0.0.1')).toEqual({ allowed: true });
		expect(subject.check('10.9.9.9')).toEqual({ allowed: true });
		expect(subject.check('11.0.0.1')).toEqual({ allowed: true });
		expect(subject.check('127.0.0.2').allowed).toBe(false);
	});

	it('lets ::/0 admit IPv4 addresses through their mapped form', () => {
		const subject = new SsrfGuard({ allowList: '::/0' });
		expect(subject.check('127.0.0.1')).toEqual({ allowed: true });
		expect(subject.check('::1')).toEqual({ allowed: true });
	});

	it('accepts IP ranges', () => {
		const subject = new SsrfGuard({ allowList: '10.0.0.10-10.0.0.20' });
		expect(subject.check('10.0.0.10')).toEqual({ allowed: true });
		expect(subject.check('10.0.0.20')).toEqual({ allowed: true });
		expect(subject.check('10.0.0.21').allowed).toBe(false);
		expect(subject.check('10.0.0.9').allowed).toBe(false);
	});

	it('re-admits a requested host name, case-insensitively, whatever it resolves to', () => {
		const subject = new SsrfGuard({ allowList: 'Hooks.Internal,localhost' });
		expect(subject.check('10.0.0.5', 'hooks.internal')).toEqual({ allowed: true });
		expect(subject.check('10.0.0.5', 'HOOKS.INTERNAL.')).toEqual({ allowed: true });
		expect(subject.check('127.0.0.1', 'localhost')).toEqual({ allowed: true });
		expect(subject.check('::1', 'LocalHost')).toEqual({ allowed: true });
		expect(reasonOf(subject, '10.0.0.5', 'other.internal')).toContain('other.internal resolves to 10.0.0.5');
		expect(reasonOf(subject, '10.0.0.5', 'sub.hooks.internal')).toContain('private network');
		expect(reasonOf(subject, '10.0.0.5')).toContain('private network');
	});

	it('does not let an IP-literal hostname act as a host name entry', () => {
		const subject = new SsrfGuard({ allowList: 'example.com' });
		expect(subject.check('10.0.0.5', '10.0.0.5').allowed).toBe(false);
	});

	it('beats IMPORT_IP_DENY_LIST', () => {
		const subject = new SsrfGuard({ allowList: '45.33.32.7,deny.example', denyList: '45.33.32.0/24' });
		expect(subject.check('45.33.32.7')).toEqual({ allowed: true });
		expect(subject.check('45.33.32.8', 'deny.example')).toEqual({ allowed: true });
		expect(reasonOf(subject, '45.33.32.8')).toBe(
			'refused: 45.33.32.8 is listed in IMPORT_IP_DENY_LIST as "45.33.32.0/24" (add it to WEBHOOKS_IP_ALLOW_LIST to allow)',
		);
	});

	it.each([
		['10.0.0.0/33', 'WEBHOOKS_IP_ALLOW_LIST entry "10.0.0.0/33"'],
		['fe80::/129', '"fe80::/129"'],
		['10.0.0.0/', '"10.0.0.0/"'],
		['10.0.0.0/8x', '"10.0.0.0/8x"'],
		['10.0.0.0/-1', '"10.0.0.0/-1"'],
		['10.0.0.300', '"10.0.0.300"'],
		['10.0.0', '"10.0.0"'],
		['example.com/24', '"example.com/24"'],
		['http://example.com', '"http://example.com"'],
		['*.example.com', '"*.example.com"'],
		['exa mple.com', '"exa mple.com"'],
		['-bad.example', '"-bad.example"'],
		['10.0.0.20-10.0.0.10', '"10.0.0.20-10.0.0.10"'],
		['10.0.0.1-::1', '"10.0.0.1-::1"'],
		['fe80::1::2', '"fe80::1::2"'],
	])('rejects the bad entry %s', (entry, fragment) => {
		expect(() => new SsrfGuard({ allowList: `8.8.8.8,${entry}` })).toThrow(fragment);
		expect(() => SsrfGuard.fromEnv({ WEBHOOKS_IP_ALLOW_LIST: entry })).toThrow(/^Invalid WEBHOOKS_IP_ALLOW_LIST entry/);
	});
});

describe('IMPORT_IP_DENY_LIST', () => {
	it('refuses listed IPs, CIDRs and ranges, IPv4 and IPv6, and their mapped forms', () => {
		const subject = new SsrfGuard({ denyList: '93.184.216.34,151.101.100.0/24,2606:4700::/32,8.8.8.0-8.8.8.255' });
		const cases: [string, string][] = [
			['93.184.216.34', '"93.184.216.34"'],
			['::ffff:93.184.216.34', '"93.184.216.34"'],
			['151.101.100.200', '"151.101.100.0/24"'],
			['64:ff9b::9765:64c8', '"151.101.100.0/24"'],
			['2606:4700::1111', '"2606:4700::/32"'],
			['8.8.8.8', '"8.8.8.0-8.8.8.255"'],
		];
		for (const [address, entry] of cases) {
			expect(reasonOf(subject, address), address).toContain(`listed in IMPORT_IP_DENY_LIST as ${entry}`);
		}
		for (const address of ['93.184.216.35', '151.101.101.1', '2606:4701::1', '8.8.9.8']) {
			expect(subject.check(address), address).toEqual({ allowed: true });
		}
	});

	it('reads 0.0.0.0 as every address of this machine', () => {
		const info = (address: string, family: 'IPv4' | 'IPv6'): NetworkInterfaceInfo =>
			({ address, family, netmask: '', mac: '00:00:00:00:00:00', internal: false, cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;
		let calls = 0;
		const subject = new SsrfGuard({
			denyList: ['0.0.0.0'],
			networkInterfaces: () => {
				calls++;
				return { eth0: [info('45.33.32.10', 'IPv4'), info('2a00:1450::10', 'IPv6')], lo: undefined };
			},
		});
		expect(reasonOf(subject, '45.33.32.10')).toBe(
			"refused: 45.33.32.10 is an address of this machine's network interfaces (IMPORT_IP_DENY_LIST contains 0.0.0.0) (add it to WEBHOOKS_IP_ALLOW_LIST to allow)",
		);
		expect(reasonOf(subject, '::ffff:45.33.32.10')).toContain('this machine');
		expect(reasonOf(subject, '2a00:1450::10')).toContain('this machine');
		expect(subject.check('45.33.32.11')).toEqual({ allowed: true });
		expect(subject.check('2a00:1450::11')).toEqual({ allowed: true });
		// Interfaces change (DHCP, VPNs), so they are read at check time.
		expect(calls).toBeGreaterThan(0);
	});

	it('does not consult interfaces without the 0.0.0.0 entry', () => {
		const subject = new SsrfGuard({
			denyList: '151.101.100.1',
			networkInterfaces: () => {
				throw new Error('must not be called');
			},
		});
		expect(subject.check('45.33.32.10')).toEqual({ allowed: true });
	});

	it('works with the real network interfaces', () => {
		expect(SsrfGuard.fromEnv({}).check('1.1.1.1')).toEqual({ allowed: true });
	});

	it.each(['example.com', '10.0.0.0/40', '1.2.3.4.5', 'localhost'])('rejects the bad entry %s, naming the variable', (entry) => {
		expect(() => SsrfGuard.fromEnv({ IMPORT_IP_DENY_LIST: ['169.254.169.254', entry] })).toThrow(
			`Invalid IMPORT_IP_DENY_LIST entry "${entry}": expected an IP address, a CIDR range`,
		);
	});
});

describe('SsrfGuard.fromEnv', () => {
	const withInterface = { networkInterfaces: () => ({ eth0: [{ address: '45.33.32.10', family: 'IPv4', netmask: '', mac: '', internal: false, cidr: null } as NetworkInterfaceInfo] }) };

	it("applies Directus's default deny list when the variable is absent", () => {
		expect(reasonOf(SsrfGuard.fromEnv({}, withInterface), '45.33.32.10')).toContain('this machine');
	});

	it('honours an explicitly empty deny list', () => {
		expect(SsrfGuard.fromEnv({ IMPORT_IP_DENY_LIST: [] }, withInterface).check('45.33.32.10')).toEqual({ allowed: true });
		expect(SsrfGuard.fromEnv({ IMPORT_IP_DENY_LIST: '' }, withInterface).check('45.33.32.10')).toEqual({ allowed: true });
	});

	it('reads arrays (as Directus casts them) and comma-separated strings', () => {
		const subject = SsrfGuard.fromEnv({ IMPORT_IP_DENY_LIST: ['151.101.100.1', ' 151.101.100.2 '], WEBHOOKS_IP_ALLOW_LIST: '127.0.0.1, hooks.internal,,' });
		expect(subject.check('151.101.100.1').allowed).toBe(false);
		expect(subject.check('151.101.100.2').allowed).toBe(false);
		expect(subject.check('127.0.0.1')).toEqual({ allowed: true });
		expect(subject.check('10.0.0.1', 'hooks.internal')).toEqual({ allowed: true });
		expect(SsrfGuard.fromEnv({ WEBHOOKS_IP_ALLOW_LIST: ['127.0.0.1'] }).check('127.0.0.1')).toEqual({ allowed: true });
	});
});

describe('lookup', () => {
	function resolverOf(table: Record<string, string[]>): Resolver {
		return (hostname, options, callback) => {
			const addresses = table[hostname];
			if (!addresses) {
				const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
				error.code = 'ENOTFOUND';
				return callback(error, []);
			}
			expect(options.all).toBe(true);
			const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
			callback(
				null,
				addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })).filter((entry) => !family || entry.family === family),
			);
		};
	}

	type Outcome = { error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };
	function lookup(subject: SsrfGuard, hostname: string, options: { all?: boolean; family?: number } = {}): Promise<Outcome> {
		return new Promise((resolve) => subject.lookup(hostname, options, (error, address, family) => resolve({ error, address, family })));
	}

	const table = {
		'public.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
		'private.example': ['10.0.0.7'],
		'mixed.example': ['93.184.216.34', '192.168.0.9'],
		'empty.example': [],
	};
	const subject = new SsrfGuard({ resolve: resolverOf(table) });

	it('returns every address with all: true', async () => {
		expect(await lookup(subject, 'public.example', { all: true })).toEqual({
			error: null,
			address: [
				{ address: '93.184.216.34', family: 4 },
				{ address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
			],
			family: undefined,
		});
	});

	it('returns the first address and its family without all', async () => {
		expect(await lookup(subject, 'public.example')).toEqual({ error: null, address: '93.184.216.34', family: 4 });
		expect(await lookup(subject, 'public.example', { family: 6 })).toEqual({ error: null, address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 });
	});

	it('fails with an SsrfError when the name resolves to a refused address', async () => {
		const { error } = await lookup(subject, 'private.example', { all: true });
		expect(error).toBeInstanceOf(SsrfError);
		expect(error?.code).toBe('ESSRF');
		expect(error?.message).toBe(
			'refused: private.example resolves to 10.0.0.7, which is a private network address (add 10.0.0.7 or private.example to WEBHOOKS_IP_ALLOW_LIST to allow)',
		);
	});

	it('fails when any one of several addresses is refused', async () => {
		const { error } = await lookup(subject, 'mixed.example');
		expect(error?.code).toBe('ESSRF');
		expect(error?.message).toContain('192.168.0.9');
	});

	it('admits a refused address through a host name allow entry', async () => {
		const allowing = new SsrfGuard({ allowList: 'private.example', resolve: resolverOf(table) });
		expect(await lookup(allowing, 'private.example')).toEqual({ error: null, address: '10.0.0.7', family: 4 });
		expect((await lookup(allowing, 'mixed.example')).error?.code).toBe('ESSRF');
	});

	it('passes DNS errors through', async () => {
		expect((await lookup(subject, 'missing.example')).error?.code).toBe('ENOTFOUND');
		expect((await lookup(subject, 'empty.example')).error?.code).toBe('ENOTFOUND');
	});

	it('refuses localhost with the real resolver', async () => {
		const { error } = await lookup(new SsrfGuard(), 'localhost', { all: true });
		expect(error).toBeInstanceOf(SsrfError);
		expect(error?.message).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), which is a loopback address/);
	});
});

describe('assertUrl', () => {
	it.each([
		['http://127.0.0.1/', '127.0.0.1 is a loopback'],
		['https://127.0.0.1:8443/hook', '127.0.0.1 is a loopback'],
		['http://[::1]:8080/', '::1 is a loopback'],
		['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1 (IPv4-mapped 127.0.0.1)'],
		['http://[64:ff9b::7f00:1]/', 'NAT64 for 127.0.0.1'],
		['http://[2002:a9fe:a9fe::]/', '6to4 for 169.254.169.254'],
		['http://[fe80::1]/', 'link-local'],
		// The URL parser turns these shorthand forms into dotted quads.
		['http://2130706433/', '127.0.0.1'],
		['http://0x7f.1/', '127.0.0.1'],
		['http://0/', '0.0.0.0'],
		['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
	])('refuses %s', (url, fragment) => {
		let thrown: unknown;
		try {
			guard.assertUrl(new URL(url));
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(SsrfError);
		expect((thrown as SsrfError).code).toBe('ESSRF');
		expect((thrown as SsrfError).message).toContain(fragment);
	});

	it('lets host names through to lookup, and public literals', () => {
		for (const url of ['http://localhost/', 'http://example.com/', 'https://8.8.8.8/', 'http://[2606:4700:4700::1111]/']) {
			expect(() => guard.assertUrl(new URL(url)), url).not.toThrow();
		}
	});

	it('honours the allow list for literals', () => {
		const allowing = new SsrfGuard({ allowList: '127.0.0.1,::1' });
		expect(() => allowing.assertUrl(new URL('http://127.0.0.1:3000/'))).not.toThrow();
		expect(() => allowing.assertUrl(new URL('http://[::1]:3000/'))).not.toThrow();
		expect(() => allowing.assertUrl(new URL('http://[::ffff:127.0.0.1]:3000/'))).not.toThrow();
	});
});
