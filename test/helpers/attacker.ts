import {spawn, spawnSync} from 'node:child_process';
import {once} from 'node:events';
import {chmodSync, chownSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import type {ExecutionContext} from 'ava';

/** The attacker: an unprivileged second uid. */
export const NOBODY = 65534;

// Swaps two names with renameat2(RENAME_EXCHANGE) as fast as it can, `tries` times at most.
const EXCHANGE = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b, tries = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2]), int(sys.argv[3])
for _ in range(tries):
    if libc.renameat2(-100, a, -100, b, 2) != 0:
        sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
`;

/**
 * Starts `nobody` exchanging A and B (renameat2 RENAME_EXCHANGE) up to `tries` times, in a loop
 * as tight as Python allows. Killed and reaped when the test ends.
 */
export function startExchanger(t: ExecutionContext, a: string, b: string, tries = 2_000_000): {exited: Promise<unknown>; stderr: () => string} {
  const child = spawn('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '/usr/bin/python3', '-c', EXCHANGE, a, b, String(tries)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit');
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return {exited, stderr: () => stderr};
}

/** A directory owned by nobody (mode 0755) inside `parent`, which is opened up for nobody to reach. */
export function attackerDir(parent: string, name = 'home'): string {
  chmodSync(parent, 0o755);
  const dir = join(parent, name);
  mkdirSync(dir, {mode: 0o755});
  chownSync(dir, NOBODY, NOBODY);
  return dir;
}

/** Runs COMMAND ARGS as nobody, to completion, as the attacker would (plants symlinks, makes directories). */
export function asNobody(command: string, ...args: string[]): void {
  const result = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', command, ...args], {encoding: 'utf8'});
  if (result.status !== 0) throw new Error(`as nobody: ${command} ${args.join(' ')}: ${result.stderr}`);
}
