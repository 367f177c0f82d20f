import {readFileSync, readdirSync, readlinkSync} from 'node:fs';
import {basename} from 'node:path';
import type {ExecutionContext} from 'ava';
import type {SpawnOptions} from 'node:child_process';
import {bin} from './paths.js';
import {run, spawnTracked, type RunResult} from './processes.js';
import {waitFor} from './wait-for.js';

/** The real daemontools command NAME (Debian's package), the oracle of the differential tests. */
export function daemontools(name: string): string {
  return `/usr/bin/${name}`;
}

/** Runs keepup's NAME and daemontools' NAME with the same arguments and options. */
export async function runBoth(name: string, args: readonly string[], options: SpawnOptions & {input?: string; timeoutMs?: number} = {}): Promise<{ours: RunResult; theirs: RunResult}> {
  const [ours, theirs] = await Promise.all([run(bin(name), args, options), run(daemontools(name), args, options)]);
  return {ours, theirs};
}

/** Exit code, stdout and stderr: what a differential test compares. */
export function transcript(result: RunResult): {code: number | null; stdout: string; stderr: string} {
  return {code: result.code, stdout: result.stdout, stderr: result.stderr};
}

/** What a process looks like from outside, read from /proc. */
export interface ProcessView {
  pid: number;
  exe: string;
  status: Record<string, string>;
  limits: string;
  environ: string[];
  /** fd number → what it refers to (pipe/socket inode numbers replaced by x) and its open flags. */
  fds: Record<string, string>;
}

export function viewProcess(pid: number): ProcessView {
  const status: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) status[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  const fds: Record<string, string> = {};
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const target = readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/^(pipe|socket):\[\d+\]$/, '$1:[x]');
    const flags = /flags:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1];
    fds[fd] = `${target} flags ${flags}`;
  }
  return {
    pid,
    exe: readlinkSync(`/proc/${pid}/exe`),
    status,
    limits: readFileSync(`/proc/${pid}/limits`, 'utf8'),
    environ: readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .filter((entry) => entry !== ''),
    fds,
  };
}

/**
 * Starts COMMAND ARGS (a chain-loader ending in a long-running program), waits until the pid
 * runs EXE (the chain-loader has exec'd), and returns what /proc shows. The process is killed
 * and reaped when the test ends.
 */
export async function viewExecd(t: ExecutionContext, command: string, args: readonly string[], exe: string, options: SpawnOptions = {}): Promise<ProcessView> {
  const child = spawnTracked(t, command, args, options);
  const pid = child.pid!;
  await waitFor(
    () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${command} ended (${child.exitCode ?? child.signalCode}) before ${exe} ran`);
      // exe changes early in execve; argv (set last) shows the exec is complete.
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')[0] ?? '';
      if (readlinkSync(`/proc/${pid}/exe`) !== exe || basename(argv0) !== basename(exe)) return false;
      // After execve the dynamic loader still opens and closes libraries (a transient fd 3 on
      // libc.so.6): the program is settled once it sleeps (state S), waiting for its signal.
      return /^\d+ \(.*\) S /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
    },
    `${command} to exec ${exe}`,
    {timeoutMs: 20_000},
  );
  return viewProcess(pid);
}
