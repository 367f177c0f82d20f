import {getSystemErrorName} from 'node:util';
import type {ProcessCalls} from '../sys/native.js';
import {restoreInheritance} from '../sys/fd-inheritance.js';

/** Why the program could not be run: the errno code djb's pathexec_run would report. */
export interface ExecFailure {
  code: string;
}

/** Name=value entries: the process's own raw environment plus changes, in order. */
export type Environment = Buffer[];

const NO_LUCK = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR']);

/**
 * daemontools' pathexec_run: a name containing `/` is executed as is; otherwise each element
 * of PATH (from the environment handed to the program; `/bin:/usr/bin` when unset; an empty
 * element means the current directory) is tried in turn. The search goes on past ENOENT,
 * EACCES, EPERM and EISDIR and stops at any other error; the error reported is the last one
 * that was not ENOENT. On success this never returns: the process IS the program.
 */
export function pathexec(calls: ProcessCalls, argv: readonly string[], env: Environment = calls.environ()): ExecFailure {
  const file = argv[0];
  if (file === undefined) return {code: 'ENOENT'};
  restoreInheritance(calls);
  const attempt = (path: string): string => getSystemErrorName(-calls.execve(path, argv, env));
  if (file.includes('/')) return {code: attempt(file)};
  let reported = 'ENOENT';
  for (const dir of searchPath(env)) {
    const code = attempt(dir === '' ? file : `${dir}/${file}`);
    if (code !== 'ENOENT') reported = code;
    if (!NO_LUCK.has(code)) break;
  }
  return {code: reported};
}

function searchPath(env: Environment): string[] {
  const entry = env.find((item) => item.subarray(0, 5).toString('latin1') === 'PATH=');
  const path = entry === undefined ? '/bin:/usr/bin' : entry.subarray(5).toString();
  return path.split(':');
}

/** A copy of `env` with NAME set to `value` (replacing every existing NAME=) or, for undefined, removed. */
export function withVariable(env: Environment, name: string, value: Buffer | string | undefined): Environment {
  const prefix = Buffer.from(`${name}=`);
  const kept = env.filter((item) => !(item.length >= prefix.length && item.subarray(0, prefix.length).equals(prefix)));
  if (value !== undefined) kept.push(Buffer.concat([prefix, Buffer.isBuffer(value) ? value : Buffer.from(value)]));
  return kept;
}
