import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process';
import {once} from 'node:events';
import {closeSync, openSync} from 'node:fs';
import type {ExecutionContext} from 'ava';

/** Tracked processes (a negative number: a process group) not yet seen to exit. */
const live = new Set<number>();
// A worker that ends before its teardowns ran (a test run that timed out) still kills what it started.
process.once('exit', () => {
  for (const target of live) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/**
 * Spawns a process that the test owns: when the test ends it is sent SIGKILL (its process
 * group too, when `detached`) and reaped, pass or fail.
 */
export function spawnTracked(t: ExecutionContext, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, {stdio: 'ignore', ...options});
  if (child.pid !== undefined) {
    const target = options.detached ? -child.pid : child.pid;
    live.add(target);
    child.once('exit', () => live.delete(target));
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        if (options.detached) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    await exited;
    // A grandchild that inherited one of these pipes (a service of a killed scanner) would keep
    // the stream, and so this worker, alive after the test: our ends are closed here.
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
  });
  return child;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion with a deadline (killed and reported if it overstays). */
export async function run(command: string, args: readonly string[], options: SpawnOptions & {input?: string | Buffer; timeoutMs?: number; stdinFile?: string} = {}): Promise<RunResult> {
  const {input, timeoutMs = 30_000, stdinFile, ...spawnOptions} = options;
  // stdinFile: stdin is that regular file (not a pipe), as with `cmd < file`.
  const stdinFd = stdinFile === undefined ? undefined : openSync(stdinFile, 'r');
  let child;
  try {
    child = spawn(command, args, {stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'], ...spawnOptions});
  } finally {
    if (stdinFd !== undefined) closeSync(stdinFd);
  }
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin?.on('error', () => {});
  child.stdin?.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    if (signal === 'SIGKILL') throw new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`);
    return {code, signal, stdout, stderr};
  } finally {
    clearTimeout(timer);
  }
}

/** True while a process with this pid exists (zombies included). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
