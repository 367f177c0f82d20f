import {readdirSync, statSync} from 'node:fs';
import {isErrno} from './errno.js';

/**
 * Throws the errno error chdir(2) would give for `dir` (ENOENT, ENOTDIR, EACCES, …), so that
 * commands which never change the process's cwd still word failures as daemontools' `unable to
 * chdir to DIR: ERR`.
 */
export function assertDirectory(dir: string): void {
  if (!statSync(dir).isDirectory()) {
    throw Object.assign(new Error(`${dir} is not a directory`), {code: 'ENOTDIR', path: dir});
  }
}

/** The names in `dir`, sorted; a missing directory has none. Other errors are thrown as they are. */
export function listNames(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
}
