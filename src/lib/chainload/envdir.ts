import {readFileSync, readdirSync} from 'node:fs';
import {SysError} from '../cli/errors.js';
import {withVariable, type Environment} from './pathexec.js';

/** One variable an env dir sets (a Buffer value, byte for byte) or removes (undefined). */
export interface EnvChange {
  name: string;
  value: Buffer | undefined;
}

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
export function readEnvDir(dir: string): EnvChange[] {
  let names: Buffer[];
  try {
    names = readdirSync(dir, {encoding: 'buffer'});
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const switching = code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EACCES';
    throw new SysError(switching ? `switch to directory ${dir}` : `read directory ${dir}`, error);
  }
  const changes: EnvChange[] = [];
  for (const raw of names.sort(Buffer.compare)) {
    if (raw[0] === 0x2e) continue;
    const name = raw.toString();
    let content: Buffer;
    try {
      content = readFileSync(Buffer.concat([Buffer.from(`${dir}/`), raw]));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        changes.push({name, value: undefined});
        continue;
      }
      throw new SysError(`read ${dir}/${name}`, error);
    }
    changes.push({name, value: content.length === 0 ? undefined : firstLine(content)});
  }
  return changes;
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
