import {getSystemErrorName} from 'node:util';
import type {ProcessCalls} from '../sys/native.js';
import {restoreInheritance, restoreStdioBlocking} from '../sys/fd-inheritance.js';

/**
 * Why the program could not be run: the errno code daemontools would report, and the step
 * that failed ('setrlimit' only when limits were passed).
 */
export interface ExecFailure {
  step: 'run' | 'setrlimit';
  code: string;
}

/** Name=value entries: the process's own raw environment plus changes, in order. */
export type Environment = Buffer[];

/** Soft limits to set just before the exec, as flat (resource, soft, hard) triples. */
export type LimitTriples = bigint[];

/**
 * daemontools' pathexec_run: a name containing `/` is executed as is; otherwise each element
 * of PATH (this process's own, `own`, not the one handed to the program, as daemontools does;
 * `/bin:/usr/bin` when unset; an empty
 * element means the current directory) is tried in turn. The search goes on past ENOENT,
 * EACCES, EPERM and EISDIR and stops at any other error; the error reported is the last one
 * that was not ENOENT. Before that, descriptors Node marked close-on-exec are inherited again.
 * On success this never returns: the process IS the program.
 */
export function pathexec(calls: ProcessCalls, argv: readonly string[], env: Environment = calls.environ(), limits: LimitTriples = [], own: Environment = calls.environ()): ExecFailure {
  const file = argv[0];
  if (file === undefined) return {step: 'run', code: 'ENOENT'};
  const candidates = execCandidates(file, own);
  restoreInheritance(calls);
  restoreStdioBlocking(calls);
  const errno = calls.exec(candidates, argv, env, limits);
  return {step: errno < 0 ? 'setrlimit' : 'run', code: getSystemErrorName(-Math.abs(errno))};
}

/** The paths pathexec_run tries for FILE, in order, given the environment holding PATH. */
export function execCandidates(file: string, env: Environment): string[] {
  return file.includes('/') ? [file] : searchPath(env).map((dir) => (dir === '' ? file : `${dir}/${file}`));
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
