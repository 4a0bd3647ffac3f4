// What the kernel says about a process and the host (Linux /proc): resident memory, CPU time,
// and how busy all cores were, to tell code limits from a saturated machine.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

// USER_HZ: 100 on every Linux build that matters (getconf CLK_TCK).
const TICK_MS = 10;

/** VmRSS of a process, in kB. */
export function rssKb(pid: number): number {
	const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	if (!match) throw new Error(`no VmRSS for process ${pid}`);
	return Number(match[1]);
}

/** CPU time (user + system) in ms from a /proc …/stat line. */
function statCpuMs(stat: string): number {
	// Fields after the parenthesised command name; utime and stime are fields 14 and 15.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** CPU time (user + system, all threads) a process has used so far, in ms. */
export function cpuMs(pid: number): number {
	return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/**
 * CPU time so far (ms) of a Node process's threads by kind: `main` (the event loop), `libuv`
 * (the thread pool: SQLite's queries, file system, DNS) and `other` (V8's helper threads and
 * worker threads, which Node names alike).
 */
export function threadCpuMs(pid: number): Record<'main' | 'libuv' | 'other', number> {
	const totals = { main: 0, libuv: 0, other: 0 };
	for (const tid of readdirSync(`/proc/${pid}/task`)) {
		let stat: string;
		let name: string;
		try {
			stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
			name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
		} catch {
			continue; // the thread ended meanwhile
		}
		totals[tid === String(pid) ? 'main' : name === 'libuv-worker' ? 'libuv' : 'other'] += statCpuMs(stat);
	}
	return totals;
}

export interface HostCpu {
	busy: number;
	total: number;
}

/** Host-wide CPU ticks so far (all cores, every process): busy and total. */
export function hostCpu(): HostCpu {
	const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
	const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
	// idle and iowait are fields 4 and 5.
	return { busy: total - ticks[3]! - ticks[4]!, total };
}

/** Share of the host's CPU capacity used between two readings (1 = every core busy). */
export function hostBusy(from: HostCpu, to: HostCpu): number {
	return (to.busy - from.busy) / Math.max(1, to.total - from.total);
}

export const CORES = availableParallelism();
