import {closeSync, constants, fstatSync, openSync, readFileSync, readSync, readdirSync, statSync} from 'node:fs';
import {FatalError, SysError} from '../cli/errors.js';
import {trustProblem} from '../security/ownership.js';
import {withVariable, type Environment} from './pathexec.js';
import {errnoCode, isErrno} from '../sys/errno.js';

/** One variable an env dir sets (a Buffer value, byte for byte) or removes (undefined). */
export interface EnvChange {
  name: string;
  value: Buffer | undefined;
}

/**
 * How a supervisor reads an env dir named by its config. `trusted`: the uids whose directory
 * and files are accepted (each must be owned by one of them and writable by its owner alone,
 * as for scripts); every entry is opened without following symlinks and without blocking
 * (O_NONBLOCK: a FIFO or device opens at once and is refused for not being a regular file), and
 * at most MAX_ENV_FILE bytes are read. Without options, daemontools' envdir: symlinks followed,
 * anything readable read.
 */
export interface EnvDirOptions {
  readonly trusted?: readonly number[];
}

/** The most of one env file a supervisor reads: one execve argument's limit (MAX_ARG_STRLEN). */
export const MAX_ENV_FILE = 128 * 1024;

const NEWLINE = 0x0a;
const NUL = 0;

/**
 * daemontools envdir's reading of DIR: every entry whose name does not start with `.`, in name
 * order. A 0-byte file removes NAME; otherwise NAME is the first line (the text before the first
 * newline, or the whole file) without trailing spaces and tabs, with each NUL turned into a
 * newline — even when that leaves it empty. A dangling symlink (or a file gone since the
 * listing) removes NAME too: daemontools reuses the previous file's value there, a bug not
 * kept. Errors are SysErrors worded as envdir's.
 */
export function readEnvDir(dir: string, options: EnvDirOptions = {}): EnvChange[] {
  const trusted = options.trusted;
  if (trusted) {
    let problem: string | undefined;
    try {
      problem = trustProblem(statSync(dir), 'directory', trusted);
    } catch {
      // readdir below says why
    }
    if (problem !== undefined) throw new FatalError(`refusing env dir ${dir}: ${problem}`);
  }
  let names: Buffer[];
  try {
    names = readdirSync(dir, {encoding: 'buffer'});
  } catch (error) {
    const code = errnoCode(error);
    const switching = code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EACCES';
    throw new SysError(switching ? `switch to directory ${dir}` : `read directory ${dir}`, error);
  }
  const changes: EnvChange[] = [];
  for (const raw of names.sort((a, b) => Buffer.compare(a, b))) {
    if (raw[0] === 0x2e) continue;
    const name = raw.toString();
    let content: Buffer;
    try {
      const path = Buffer.concat([Buffer.from(`${dir}/`), raw]);
      content = trusted ? readTrustedFile(path, `${dir}/${name}`, trusted) : readFileSync(path);
    } catch (error) {
      if (error instanceof FatalError) throw error;
      if (isErrno(error, 'ENOENT')) {
        changes.push({name, value: undefined});
        continue;
      }
      throw new SysError(`read ${dir}/${name}`, error);
    }
    changes.push({name, value: content.length === 0 ? undefined : firstLine(content)});
  }
  return changes;
}

/**
 * An env file as a supervisor reads it: opened with O_NOFOLLOW|O_NONBLOCK, refused unless a
 * regular file owned by a trusted uid and writable by its owner alone, at most MAX_ENV_FILE
 * bytes (refused when the first line does not end within them).
 */
function readTrustedFile(path: Buffer, shown: string, uids: readonly number[]): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    if (isErrno(error, 'ELOOP')) throw new FatalError(`refusing env file ${shown}: it is a symbolic link`);
    throw error;
  }
  try {
    const problem = trustProblem(fstatSync(fd), 'file', uids);
    if (problem !== undefined) throw new FatalError(`refusing env file ${shown}: ${problem}`);
    const buffer = Buffer.alloc(MAX_ENV_FILE + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    const content = buffer.subarray(0, length);
    if (length > MAX_ENV_FILE && content.indexOf(NEWLINE) < 0) {
      throw new FatalError(`refusing env file ${shown}: its first line is longer than ${MAX_ENV_FILE} bytes`);
    }
    return content;
  } finally {
    closeSync(fd);
  }
}

/** The value rule: up to the first newline, trailing blanks cut, NULs become newlines. */
export function firstLine(content: Buffer): Buffer {
  const newline = content.indexOf(NEWLINE);
  let end = newline < 0 ? content.length : newline;
  while (end > 0 && (content[end - 1] === 0x20 || content[end - 1] === 0x09)) end--;
  const value = Buffer.from(content.subarray(0, end));
  for (let i = 0; i < value.length; i++) if (value[i] === NUL) value[i] = NEWLINE;
  return value;
}

/** `env` with the changes applied in order. */
export function applyEnvChanges(env: Environment, changes: readonly EnvChange[]): Environment {
  return changes.reduce((current, change) => withVariable(current, change.name, change.value), env);
}
