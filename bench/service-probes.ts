// What the service benchmarks share: a blocking pause and a synchronous wait for a condition
// (benchmarks poll tightly and must not yield to timers). The pid in a service's status comes
// from the tests' own helper, test/helpers/service-pid.ts.
import type {ChildProcess} from 'node:child_process';
import {readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {join} from 'node:path';

export function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function waitUntil(predicate: () => boolean, what: string, options: {timeoutMs?: number; pollMs?: number} = {}): void {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    pause(options.pollMs ?? 5);
  }
}

/** The scanner and, for daemontools, its supervise children: the supervising processes. */
export function supervisingPids(side: 'daemontools' | 'keepup', scanner: ChildProcess): number[] {
  if (side === 'keepup') return [scanner.pid!];
  const pids = [scanner.pid!];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === scanner.pid) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}

/** utime + stime of `pids`, in clock ticks; a pid gone meanwhile counts 0. */
export function cpuTicks(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks;
}

/** Starts seen in `dirs`: each crash-looping `run` appends one byte to its `started` file. */
export function startsSeen(dirs: string[]): number {
  let total = 0;
  for (const dir of dirs) {
    try {
      total += statSync(join(dir, 'started')).size;
    } catch {
      // not started yet
    }
  }
  return total;
}

/** Kills the supervising processes (services are left to die with their `run`), then removes the tree. */
export function stopTree(side: 'daemontools' | 'keepup', scanner: ChildProcess, base: string): void {
  for (const pid of supervisingPids(side, scanner)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  pause(500);
  rmSync(base, {recursive: true, force: true});
}

/**
 * CPU time of `pids` in seconds from /proc/PID/schedstat (nanoseconds on a CPU): exact for many
 * small processes, where clock ticks round each one's share down to nothing.
 */
export function cpuSeconds(pids: number[]): number {
  let ns = 0;
  for (const pid of pids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/schedstat`, 'latin1').split(' ')[0]);
    } catch {
      // gone
    }
  }
  return ns / 1e9;
}
