// SSRF: outgoing webhooks must not reach loopback, private, link-local or metadata addresses (in
// any IPv4 or IPv6 spelling, by name or through a redirect) unless WEBHOOKS_IP_ALLOW_LIST names
// them, and every refusal is recorded with its reason. The shared instance allow-lists 127.0.0.1
// and ::1 for the other tests, so this file starts its own Directus that allow-lists only 127.0.0.2.
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../harness/client.ts';
import { Receiver } from '../harness/receiver.ts';
import { startStack, type Stack } from '../harness/stack.ts';
import { until } from '../harness/wait.ts';

const shared = inject('directus');
// Two quick retries, so a redirected delivery reaches `failed` in seconds (a refusal fails at
// once); a request timeout far longer than any refusal may take, so one that waited would show.
const RETRY_SCHEDULE = ['300ms', '300ms'];
const TIMEOUT_MS = 30_000;

let stack: Stack;
let api: ApiClient;
/** Listens on every address of this machine (IPv4 and IPv6): the guarded instance must never reach it. */
let local: Receiver;
let localHasIpv6 = true;
/** Listens on 127.0.0.2, the one address the guarded instance allow-lists. */
let allowed: Receiver;

/** Creates a webhook for `url` on `client`'s instance, queues a test event and waits until its delivery is finished. */
async function deliverTestEvent(url: string, client = api) {
	const hook = await client.post('/webhooks', { name: `ssrf ${randomBytes(3).toString('hex')}`, url, actions: ['create'], collections: ['directus_users'] });
	expect(hook.status, JSON.stringify(hook.body)).toBe(200);
	const id = hook.body.data.id as number;
	const test = await client.post(`/webhooks/${id}/test`);
	expect(test.status, JSON.stringify(test.body)).toBe(200);
	const delivery = await until(
		async () => (await client.get(`/webhooks/${id}/deliveries/${test.body.data.id}`)).body.data,
		(data: any) => data?.status !== 'pending' && data?.status !== 'sending',
	);
	return { webhook: id, delivery };
}

/** Requests the local receiver got on `path` (from anyone). */
const heardAt = (receiver: Receiver, path: string) => receiver.requests.filter((request) => request.path === path);

beforeAll(async () => {
	try {
		local = await Receiver.start(0, '::');
	} catch {
		// No IPv6 on this machine: IPv4 only, and the IPv6 targets can only be checked for their reason.
		local = await Receiver.start(0, '0.0.0.0');
		localHasIpv6 = false;
	}
	allowed = await Receiver.start(0, '127.0.0.2');
	stack = await startStack(shared.kind, {
		label: `${shared.kind}-ssrf`,
		env: {
			WEBHOOKS_IP_ALLOW_LIST: '127.0.0.2',
			WEBHOOKS_RETRY_SCHEDULE: RETRY_SCHEDULE.join(','),
			WEBHOOKS_TIMEOUT: `${TIMEOUT_MS}ms`,
			// Refused webhooks keep failing: they must stay active so every delivery runs its course.
			WEBHOOKS_DISABLE_AFTER: '1h',
		},
	});
	api = new ApiClient(stack.info.url, stack.info.token);
});

afterAll(async () => {
	await stack?.stop();
	await local?.close();
	await allowed?.close();
});

interface Target {
	name: string;
	/** Host part of the URL, brackets included for IPv6. */
	host: string;
	reason: RegExp;
	/** An address of this machine: without the guard the local receiver would get the request. */
	local: boolean;
}

// This machine's own interface addresses (not loopback; not fe80::, which needs a zone in a URL).
const machineAddresses: Target[] = Object.values(networkInterfaces())
	.flat()
	.filter((info) => info && !info.internal && !info.address.startsWith('fe80:'))
	.map((info) => ({
		name: `this machine's own address ${info!.address}`,
		host: info!.family === 'IPv6' ? `[${info!.address}]` : info!.address,
		reason: /^refused: .+ is .+ \(add it to WEBHOOKS_IP_ALLOW_LIST to allow\)$/,
		local: true,
	}));

const TARGETS: Target[] = [
	{ name: 'IPv4 loopback', host: '127.0.0.1', reason: /^refused: 127\.0\.0\.1 is a loopback address \(add it to WEBHOOKS_IP_ALLOW_LIST to allow\)$/, local: true },
	// The allow list names 127.0.0.2 only, not its neighbours.
	{ name: 'another loopback address', host: '127.0.0.3', reason: /^refused: 127\.0\.0\.3 is a loopback address/, local: true },
	{ name: 'loopback written as one number', host: '2130706433', reason: /^refused: 127\.0\.0\.1 is a loopback address/, local: true },
	{ name: 'the unspecified IPv4 address', host: '0.0.0.0', reason: /^refused: 0\.0\.0\.0 is a "this network" \(unspecified\) address/, local: true },
	{ name: 'IPv6 loopback', host: '[::1]', reason: /^refused: ::1 is a loopback address/, local: true },
	{ name: 'the unspecified IPv6 address', host: '[::]', reason: /^refused: :: is the unspecified address/, local: true },
	{ name: 'IPv4-mapped IPv6 loopback', host: '[::ffff:127.0.0.1]', reason: /^refused: ::ffff:7f00:1 \(IPv4-mapped 127\.0\.0\.1\) is a loopback address/, local: true },
	{ name: 'a DNS name that resolves to loopback', host: 'localhost', reason: /^refused: localhost resolves to (127\.0\.0\.1|::1), which is a loopback address \(add \S+ or localhost to WEBHOOKS_IP_ALLOW_LIST to allow\)$/, local: true },
	{ name: 'private 10.0.0.0/8', host: '10.0.0.1', reason: /^refused: 10\.0\.0\.1 is a private network address/, local: false },
	{ name: 'private 172.16.0.0/12', host: '172.16.0.1', reason: /^refused: 172\.16\.0\.1 is a private network address/, local: false },
	{ name: 'private 192.168.0.0/16', host: '192.168.1.1', reason: /^refused: 192\.168\.1\.1 is a private network address/, local: false },
	{ name: 'carrier-grade NAT 100.64.0.0/10', host: '100.64.0.1', reason: /^refused: 100\.64\.0\.1 is a carrier-grade NAT address/, local: false },
	{ name: 'the cloud metadata address', host: '169.254.169.254', reason: /^refused: 169\.254\.169\.254 is the link-local cloud metadata address/, local: false },
	{ name: 'the Azure host address', host: '168.63.129.16', reason: /^refused: 168\.63\.129\.16 is the Azure host \(wire server\) address/, local: false },
	{ name: 'IPv4 link-local', host: '169.254.10.10', reason: /^refused: 169\.254\.10\.10 is a link-local address/, local: false },
	{ name: 'IPv6 unique local (ULA)', host: '[fd00::1]', reason: /^refused: fd00::1 is a unique local \(private\) address/, local: false },
	{ name: 'IPv6 link-local', host: '[fe80::1]', reason: /^refused: fe80::1 is a link-local address/, local: false },
	{ name: 'IPv4-mapped private address', host: '[::ffff:10.0.0.1]', reason: /^refused: ::ffff:a00:1 \(IPv4-mapped 10\.0\.0\.1\) is a private network address/, local: false },
	{ name: 'IPv4-compatible loopback', host: '[::127.0.0.1]', reason: /^refused: ::7f00:1 \(IPv4-compatible 127\.0\.0\.1\) is a loopback address/, local: false },
	{ name: 'NAT64 for the metadata address', host: '[64:ff9b::a9fe:a9fe]', reason: /^refused: 64:ff9b::a9fe:a9fe \(NAT64 for 169\.254\.169\.254\) is the link-local cloud metadata address/, local: false },
	{ name: '6to4 for a private address', host: '[2002:c0a8:101::1]', reason: /^refused: 2002:c0a8:101::1 \(6to4 for 192\.168\.1\.1\) is a private network address/, local: false },
	...machineAddresses,
];

/** Whether the local receiver can be reached at this target (IPv6 ones need an IPv6 listener). */
const reachable = (target: Target) => target.local && (localHasIpv6 || !target.host.startsWith('['));

describe('SSRF guard: refused targets', () => {
	it('every local target really reaches the local receiver when nothing guards it', async () => {
		// Without this, "the receiver got nothing" below could just mean the address is unreachable.
		const targets = TARGETS.filter(reachable);
		for (const target of targets) {
			const response = await fetch(`http://${target.host}:${local.port}/probe`);
			expect(response.status, target.name).toBe(200);
		}
		expect(heardAt(local, '/probe')).toHaveLength(targets.length);
	});

	it.each(TARGETS.map((target) => [target.name, target] as const))('%s: refused before connecting, recorded as failed with the reason', async (_name, target) => {
		const path = `/refused-${randomBytes(4).toString('hex')}`;
		const { delivery } = await deliverTestEvent(`http://${target.host}:${local.port}${path}`);

		// Failed at once: waiting will not make the address allowed, so it is not retried.
		expect(delivery.status).toBe('failed');
		expect(delivery.last_status).toBeNull();
		expect(delivery.last_error).toMatch(target.reason);
		expect(delivery.attempts).toHaveLength(1);
		for (const attempt of delivery.attempts) {
			expect(attempt.error).toMatch(target.reason);
			expect(attempt.response_status).toBeNull();
			// A refusal happens before connecting: no attempt came near the request timeout.
			expect(attempt.duration_ms).toBeLessThan(TIMEOUT_MS / 3);
		}
		expect(heardAt(local, path)).toEqual([]);
	});

	it('the delivery log lists refusals as failed deliveries with the reason', async () => {
		const { webhook } = await deliverTestEvent(`http://169.254.169.254:${local.port}/latest/meta-data/`);
		const failed = await api.get(`/webhooks/${webhook}/deliveries?filter[status][_eq]=failed`);
		expect(failed.status).toBe(200);
		expect(failed.body.data).toHaveLength(1);
		expect(failed.body.data[0]).toMatchObject({ status: 'failed', attempts: 1, last_status: null, next_attempt_at: null });
		expect(failed.body.data[0].last_error).toContain('169.254.169.254 is the link-local cloud metadata address');
	});
});

describe('SSRF guard: redirects', () => {
	it('a redirect to a loopback address is not followed', async () => {
		const stolen = `/stolen-${randomBytes(4).toString('hex')}`;
		allowed.respond((request) => (request.path === '/redirect-loopback' ? { status: 302, headers: { location: `http://127.0.0.1:${local.port}${stolen}` } } : { status: 200 }));
		const { delivery } = await deliverTestEvent(allowed.url('/redirect-loopback'));

		expect(delivery.status).toBe('failed');
		expect(delivery.last_status).toBe(302);
		expect(delivery.last_error).toBe('the receiver answered 302 (redirects are not followed)');
		expect(delivery.attempts.map((attempt: any) => attempt.response_status)).toEqual(Array(RETRY_SCHEDULE.length + 1).fill(302));
		expect(delivery.attempts[0].response_headers.location).toBe(`http://127.0.0.1:${local.port}${stolen}`);
		// The allowed receiver saw every attempt; the redirect target saw nothing.
		expect(heardAt(allowed, '/redirect-loopback')).toHaveLength(RETRY_SCHEDULE.length + 1);
		expect(heardAt(local, stolen)).toEqual([]);
	});

	it('a redirect to the cloud metadata address is not followed', async () => {
		allowed.respond((request) => (request.path === '/redirect-metadata' ? { status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data/' } } : { status: 200 }));
		const { delivery } = await deliverTestEvent(allowed.url('/redirect-metadata'));

		expect(delivery.status).toBe('failed');
		expect(delivery.last_status).toBe(307);
		expect(delivery.last_error).toBe('the receiver answered 307 (redirects are not followed)');
		expect(delivery.attempts[0].response_headers.location).toBe('http://169.254.169.254/latest/meta-data/');
		expect(heardAt(allowed, '/redirect-metadata')).toHaveLength(RETRY_SCHEDULE.length + 1);
	});
});

describe('SSRF guard: the allow list', () => {
	it('an allow-listed loopback address is delivered to', async () => {
		allowed.respond(() => ({ status: 200 }));
		const { delivery } = await deliverTestEvent(allowed.url('/allowed'));
		expect(delivery).toMatchObject({ status: 'succeeded', last_status: 200, last_error: null });
		const [request] = heardAt(allowed, '/allowed');
		expect(request?.headers['webhook-id']).toBe(delivery.message_id);
	});

	it('so is the IPv4-mapped IPv6 form of that address', async () => {
		allowed.respond(() => ({ status: 200 }));
		const { delivery } = await deliverTestEvent(`http://[::ffff:127.0.0.2]:${allowed.port}/allowed-mapped`);
		expect(delivery).toMatchObject({ status: 'succeeded', last_status: 200 });
		expect(heardAt(allowed, '/allowed-mapped')).toHaveLength(1);
	});

	it('the loopback address refused here is delivered to by an instance that allow-lists it', async () => {
		// The shared instance runs with WEBHOOKS_IP_ALLOW_LIST=127.0.0.1,::1.
		const sharedApi = new ApiClient(shared.url, shared.token);
		const { webhook, delivery } = await deliverTestEvent(`http://127.0.0.1:${local.port}/admitted`, sharedApi);
		try {
			expect(delivery).toMatchObject({ status: 'succeeded', last_status: 200 });
			expect(heardAt(local, '/admitted')).toHaveLength(1);
		} finally {
			await sharedApi.delete(`/webhooks/${webhook}`);
		}
	});

	it('the guarded instance never reached the local receiver', () => {
		// Everything it got came from this test process (probes) or the allow-listing instance.
		expect(local.requests.map((request) => request.path).filter((path) => path !== '/probe' && path !== '/admitted')).toEqual([]);
	});
});
