import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {readFileSync, readdirSync, readlinkSync, realpathSync} from 'node:fs';
import type {ExecutionContext} from 'ava';
import {bin} from './paths.js';
import {isAlive} from './processes.js';
import type {Side} from './supervisors.js';
import {waitFor} from './wait-for.js';

/** The pids of every process running COMM whose cwd is DIR (a service started there and still in it). */
export function pidsWithCwd(dir: string, comm: string): number[] {
  const target = realpathSync(dir);
  return processCwds()
    .filter(([pid, cwd]) => cwd === target && commOf(pid) === comm)
    .map(([pid]) => pid);
}

function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').trimEnd();
  } catch {
    return undefined;
  }
}

function processCwds(): Array<[number, string]> {
  const found: Array<[number, string]> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      found.push([Number(name), readlinkSync(`/proc/${name}/cwd`)]);
    } catch {
      // gone, or a kernel thread
    }
  }
  return found;
}

/**
 * Kills (SIGKILL) every process whose cwd is ROOT or below and waits until they are gone:
 * services left by supervisors that were killed, or by a test that renamed their directory.
 */
export async function killProcessesUnder(root: string): Promise<void> {
  const prefix = realpathSync(root);
  const pids = processCwds()
    .filter(([pid, cwd]) => pid !== process.pid && (cwd === prefix || cwd.startsWith(`${prefix}/`)))
    .map(([pid]) => pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await Promise.all(pids.map((pid) => waitFor(() => !isAlive(pid) || isZombie(pid), `process ${pid} to die`)));
}

/** A zombie is dead already: its parent (a killed supervisor's init) reaps it. */
function isZombie(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'latin1'));
  } catch {
    return true;
  }
}

/**
 * Starts `svscan DIR` from `side` (keepup's, or Debian's /usr/bin/svscan) in its own process
 * group, stderr collected. At test end the group is killed first (the scanner and, for Debian's,
 * its supervise processes), then every process left with its cwd under `root`. `command`
 * replaces the side's svscan (a copy of keepup's launcher, say) and `env` the environment.
 */
export function startSvscan(
  t: ExecutionContext,
  side: Side,
  dir: string,
  root: string,
  options: {command?: string; env?: NodeJS.ProcessEnv} = {},
): {child: ChildProcess; stderr: () => string} {
  const [command, args] = options.command ? [options.command, [dir]] : side === 'ours' ? [process.execPath, [bin('svscan'), dir]] : ['/usr/bin/svscan', [dir]];
  const child = spawn(command, args, {stdio: ['ignore', 'ignore', 'pipe'], detached: true, ...(options.env ? {env: options.env} : {})});
  let stderr = '';
  child.stderr.setEncoding('latin1').on('data', (chunk: string) => (stderr += chunk));
  const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit').then(() => undefined);
  t.teardown(async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    await exited;
    await killProcessesUnder(root);
  });
  return {child, stderr: () => stderr};
}
