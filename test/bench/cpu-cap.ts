// Caps a process's CPU with a Linux cgroup (v1 `cpu` controller, CFS quota), so each Directus
// instance of a scale-out round gets the same share, as if it ran on a machine of its own. On a
// small host the uncapped ratio mostly measures how many cores are left, not how the instances scale.
import { accessSync, constants, existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';

const ROOT = '/sys/fs/cgroup/cpu';
const PERIOD_US = 100_000;

export interface CpuCap {
	/** Removes the group; call after its process has exited. */
	remove(): void;
}

/** Whether this process can make CPU-capped groups (cgroup v1 cpu controller, writable). */
export function cpuCapAvailable(): boolean {
	try {
		accessSync(ROOT, constants.W_OK);
		return existsSync(`${ROOT}/cpu.cfs_quota_us`);
	} catch {
		return false;
	}
}

/** Puts `pid` (all its threads) in a new group allowed `cores` cores (e.g. 0.5). */
export function capCpu(pid: number, cores: number, name: string): CpuCap {
	if (!(cores > 0)) throw new RangeError(`a CPU cap must be a positive number of cores, got ${cores}`);
	if (!existsSync(`${ROOT}/cpu.cfs_quota_us`)) throw new Error(`capping CPU needs the cgroup v1 cpu controller at ${ROOT}`);
	const dir = `${ROOT}/${name}`;
	mkdirSync(dir, { recursive: true });
	writeFileSync(`${dir}/cpu.cfs_period_us`, String(PERIOD_US));
	writeFileSync(`${dir}/cpu.cfs_quota_us`, String(Math.round(cores * PERIOD_US)));
	writeFileSync(`${dir}/cgroup.procs`, String(pid));
	return {
		remove() {
			try {
				rmdirSync(dir);
			} catch {
				// Still holds a process (or is gone already): the kernel keeps it harmlessly.
			}
		},
	};
}
