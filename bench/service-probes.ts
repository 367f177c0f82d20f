// What the service benchmarks share: a blocking pause and a synchronous wait for a condition
// (benchmarks poll tightly and must not yield to timers). The pid in a service's status comes
// from the tests' own helper, test/helpers/service-pid.ts.
import type {ChildProcess} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';

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
