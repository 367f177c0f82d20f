import {spawn} from 'node:child_process';
import {accessSync, closeSync, constants, statSync} from 'node:fs';
import {Socket} from 'node:net';
import {getSystemErrorName} from 'node:util';
import {execCandidates} from './pathexec.js';
import {restoreInheritance, restoreStdioBlocking} from '../sys/fd-inheritance.js';
import type {ProcessCalls} from '../sys/native.js';
import {errnoCode} from '../sys/errno.js';

/** How a program run by fghack ended. */
export type ForegroundOutcome = {kind: 'exited'; code: number} | {kind: 'crashed'} | {kind: 'failed'; step: 'create pipe' | 'run'; code: string};

/** fghack's extra copies of the pipe's write end (daemontools dups it 30 times). */
export const EXTRA_WRITE_FDS = 30;

const NO_LUCK = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR']);

/**
 * daemontools' fghack: runs ARGV with 31 descriptors on the write end of a pipe (the lowest
 * numbers from 3 up that it did not inherit open, which it keeps), reads that pipe until every process holding them has exited (a daemon that forks into the
 * background keeps them), then waits for the program. So a "self-backgrounding" daemon looks
 * to supervise like a foreground one.
 */
export async function runInForeground(calls: ProcessCalls, argv: readonly string[], env: Buffer[] = calls.environ()): Promise<ForegroundOutcome> {
  const pipe = calls.pipe();
  if (typeof pipe === 'number') return {kind: 'failed', step: 'create pipe', code: getSystemErrorName(-pipe)};
  const [readEnd, writeEnd] = pipe;
  const resolved = resolveProgram(argv[0]!, env);
  if ('code' in resolved) {
    closeSync(readEnd);
    closeSync(writeEnd);
    return {kind: 'failed', step: 'run', code: resolved.code};
  }
  const inherited = new Set(restoreInheritance(calls));
  restoreStdioBlocking(calls);
  const stdio: Array<'inherit' | 'ignore' | number> = ['inherit', 'inherit', 'inherit'];
  for (let fd = 3, copies = 0; copies <= EXTRA_WRITE_FDS; fd++) {
    // 'ignore' above fd 2 leaves the inherited descriptor of that number in place.
    if (inherited.has(fd)) stdio.push('ignore');
    else {
      stdio.push(writeEnd);
      copies++;
    }
  }
  const child = spawn(resolved.path, argv.slice(1), {argv0: argv[0], stdio});
  closeSync(writeEnd);
  const exited = new Promise<ForegroundOutcome>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({kind: 'failed', step: 'run', code: error.code ?? 'EIO'}));
    child.once('exit', (code, signal) => resolve(signal !== null || code === null ? {kind: 'crashed'} : {kind: 'exited', code}));
  });
  const drained = new Promise<void>((resolve) => {
    const reader = new Socket({fd: readEnd, readable: true, writable: false});
    reader.on('data', () => {});
    reader.once('close', () => resolve());
    reader.once('error', () => resolve());
  });
  const outcome = await Promise.race([exited.then((result) => (result.kind === 'failed' ? result : undefined)), drained.then(() => undefined)]);
  if (outcome !== undefined) return outcome;
  await drained;
  return exited;
}

/**
 * The path pathexec_run would execute for FILE, found with access(2) and stat(2) because
 * Node's spawn does its own search: the first candidate that exists, is not a directory and is
 * executable; otherwise the error pathexec_run would report.
 */
export function resolveProgram(file: string, env: Buffer[]): {path: string} | {code: string} {
  let reported = 'ENOENT';
  for (const path of execCandidates(file, env)) {
    let code: string;
    try {
      if (statSync(path).isDirectory()) throw Object.assign(new Error('directory'), {code: 'EACCES'});
      accessSync(path, constants.X_OK);
      return {path};
    } catch (error) {
      code = errnoCode(error) ?? 'EIO';
    }
    if (code !== 'ENOENT') reported = code;
    if (!NO_LUCK.has(code)) break;
  }
  return {code: reported};
}
