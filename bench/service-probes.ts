// What the service benchmarks share: a blocking pause and a synchronous wait for a condition
// (benchmarks poll tightly and must not yield to timers). The pid in a service's status comes
// from the tests' own helper, test/helpers/service-pid.ts.
import type {ChildProcess} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
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

/**
 * The pid of the running `run` in an s6-supervise'd DIR/supervise/status, 0 when none. The
 * status is s6_svstatus_pack's: 35 bytes in s6 2.11 (Debian 12's 2.11.3.2: stamp, readystamp,
 * pid as a 64-bit big-endian at byte 24, wstat, flags), 43 in later s6 (a pgid after the pid);
 * the flags are the last byte either way. While ./finish runs (flag 2, "finishing") the pid field
 * holds the finish process's pid — s6 forks for ./finish even when there is none — so that is
 * not a pid of the service and counts 0 here.
 */
export function s6Pid(dir: string): number {
  try {
    const bytes = readFileSync(join(dir, 'supervise', 'status'));
    if (bytes.length !== 35 && bytes.length !== 43) return 0;
    return (bytes[bytes.length - 1]! & 2) !== 0 ? 0 : Number(bytes.readBigUInt64BE(24));
  } catch {
    return 0;
  }
}

/**
 * The pid of the running `run` in a runsv'd DIR/supervise/status, 0 when none: runit keeps the
 * daemontools layout (pid little-endian at byte 12) and puts its state in byte 19 (0 down,
 * 1 run, 2 finish), so a ./finish's pid is not taken for the service's (supervise/pid, the text
 * file, names whichever of the two runs).
 */
export function runitPid(dir: string): number {
  try {
    const bytes = readFileSync(join(dir, 'supervise', 'status'));
    return bytes.length === 20 && bytes[19] === 1 ? bytes.readUInt32LE(12) : 0;
  } catch {
    return 0;
  }
}

/** Every descendant of `pid` (children, their children, …), read from /proc. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(parent) ?? [];
      list.push(Number(name));
      parents.set(parent, list);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** The kernel's name of a process ('' when gone). */
export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
  } catch {
    return '';
  }
}

/** Anonymous resident memory (RssAnon) of `pids` in kB; a pid gone counts 0. */
export function anonKb(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(/^RssAnon:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return total;
}

/** Context switches (voluntary + involuntary) of every thread of `pids`: the wake-ups. */
export function wakeUps(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const text = readFileSync(`/proc/${pid}/task/${task}/status`, 'latin1');
        total += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(text)?.[1] ?? 0) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(text)?.[1] ?? 0);
      } catch {
        // gone
      }
    }
  }
  return total;
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

/**
 * A scan directory of `count` crash-looping services (`run` appends one byte to its `started`
 * file and exits 1) under a new temporary directory named after `label`; `extra` adds files to
 * each service directory (a restart policy).
 */
export function crashLoopTree(label: string, count: number, extra?: (dir: string) => void): {base: string; dirs: string[]} {
  const base = mkdtempSync(join(tmpdir(), `keepup-bench-${label}-`));
  const dirs = Array.from({length: count}, (_, index) => join(base, `s${index}`));
  for (const dir of dirs) {
    mkdirSync(dir);
    writeFileSync(join(dir, 'run'), '#!/bin/sh\necho >> started\nexit 1\n');
    chmodSync(join(dir, 'run'), 0o755);
    extra?.(dir);
  }
  return {base, dirs};
}
