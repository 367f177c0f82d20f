import {once} from 'node:events';
import {join} from 'node:path';
import type {ExecutionContext} from 'ava';
import {spawn, type ChildProcess} from 'node:child_process';
import {readStatus} from '../../src/lib/status/file.js';
import {bin} from './paths.js';
import {isAlive, run, type RunResult} from './processes.js';
import {PATIENT, waitFor} from './wait-for.js';

/** Whose implementation of a daemontools command: keepup's built one, or Debian's in /usr/bin. */
export type Side = 'ours' | 'real';

/** Runs `name` (svc, svstat, svok, supervise) from `side` with `args` in `cwd`. */
export function tool(side: Side, name: string, args: readonly string[], cwd: string): Promise<RunResult> {
  return side === 'ours' ? run(process.execPath, [bin(name), ...args], {cwd}) : run(name, args, {cwd});
}

/**
 * Starts `supervise NAME` from `side` in `cwd`. At test end the supervisor is killed first
 * (so nothing restarts), then the service's process group (ours runs it in its own group).
 */
export function startSupervise(t: ExecutionContext, side: Side, cwd: string, name: string): ChildProcess {
  const [command, args] = side === 'ours' ? [process.execPath, [bin('supervise'), name]] : ['supervise', [name]];
  const child = spawn(command, args, {cwd, stdio: ['ignore', 'ignore', 'pipe'], detached: true});
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  Object.defineProperty(child, 'stderrText', {get: () => stderr});
  const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit').then(() => undefined);
  t.teardown(async () => {
    const record = safeStatus(join(cwd, name));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
    const pid = safeStatus(join(cwd, name))?.pid || record?.pid;
    if (pid) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // gone, or not a group leader
        }
      }
      await waitFor(() => !isAlive(pid), `service ${pid} to die`);
    }
  });
  return child;
}

/** What a supervisor started by startSupervise printed on stderr so far. */
export function stderrOf(child: ChildProcess): string {
  return (child as ChildProcess & {stderrText: string}).stderrText;
}

function safeStatus(dir: string): {pid: number; paused: boolean; want: string} | undefined {
  try {
    const record = readStatus(dir);
    return record === 'bad-format' ? undefined : record;
  } catch {
    return undefined;
  }
}

/** Waits until DIR's status satisfies `predicate`; returns that record. */
export function waitForStatus(
  dir: string,
  predicate: (record: {pid: number; paused: boolean; want: string}) => boolean,
  what: string,
): Promise<{pid: number; paused: boolean; want: string}> {
  return waitFor(
    () => {
      const record = safeStatus(dir);
      return record && predicate(record) ? record : undefined;
    },
    what,
    PATIENT,
  );
}
