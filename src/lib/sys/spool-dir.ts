import {closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync} from 'node:fs';
import {join} from 'node:path';
import {errnoCode, isErrno} from './errno.js';
import {writeFileAtomicSync} from './fs-atomic.js';

/**
 * A spool directory as the mail and webhook queues keep one: a private directory (0700, owned
 * by this process's uid, not a symlink) holding one JSON file per message, `UNIXMS-PID-N.json`,
 * written atomically with mode 0600, oldest first by name; `dead/` beside them holds what will
 * never be delivered. Files are read through a descriptor opened without following symlinks and
 * checked with fstat, so a file someone else planted is never sent.
 */
const SPOOLED = /^\d+-\d+-\d+\.json$/;
export const DEAD_DIR = 'dead';

/** Writes `value` as a new spool file in `dir` (created private if missing); returns its path. */
export function writeSpoolFile(dir: string, value: unknown, now: number): string {
  ensurePrivateDir(dir);
  for (let n = 0; ; n++) {
    const path = join(dir, `${Math.floor(now)}-${process.pid}-${n}.json`);
    if (exists(path)) continue;
    writeFileAtomicSync(path, Buffer.from(`${JSON.stringify(value)}\n`), {mode: 0o600, fsync: true, exclusive: true});
    return path;
  }
}

/** The spool files of `dir`, oldest first; none when the directory does not exist. */
export function listSpoolFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => SPOOLED.test(name))
      .sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]) || a.localeCompare(b, 'en', {numeric: true}))
      .map((name) => join(dir, name));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
}

/** When a spool file was written (ms since the epoch), from its name. */
export function spooledAt(path: string): number {
  return Number(path.slice(path.lastIndexOf('/') + 1).split('-')[0]);
}

/**
 * The JSON a spool file holds, or why it is not to be trusted: a symlink, not a regular file, owned
 * by another uid, open to others, or not JSON (`notJson` is the caller's wording for that).
 */
export function readSpoolFile(path: string, notJson: string, uid: number = process.geteuid?.() ?? 0): {value: unknown} | {problem: string} {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (isErrno(error, 'ELOOP')) return {problem: 'it is a symlink'};
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return {problem: 'it is not a regular file'};
    if (stats.uid !== uid) return {problem: `it is owned by uid ${stats.uid}, not by uid ${uid}`};
    if ((stats.mode & 0o077) !== 0) return {problem: `its mode is ${(stats.mode & 0o777).toString(8).padStart(4, '0')}, not 0600`};
    try {
      return {value: JSON.parse(readFileSync(fd, 'utf8')) as unknown};
    } catch (error) {
      if (errnoCode(error) !== undefined) throw error;
      return {problem: notJson};
    }
  } finally {
    closeSync(fd);
  }
}

/** Moves a spool file into `dir/dead/` (created private if missing); returns its new path. */
export function moveToDead(dir: string, path: string): string {
  const dead = join(dir, DEAD_DIR);
  ensurePrivateDir(dead);
  const target = join(dead, path.slice(path.lastIndexOf('/') + 1));
  renameSync(path, target);
  return target;
}

/** mkdir DIR 0700 unless it exists; either way it must be a real directory (not a symlink) owned by us. */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, {mode: 0o700});
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  }
  const stats = lstatSync(dir);
  const uid = process.geteuid?.() ?? 0;
  if (!stats.isDirectory() || stats.uid !== uid || (stats.mode & 0o022) !== 0) {
    throw new Error(`${dir} is not a private directory owned by uid ${uid}`);
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
