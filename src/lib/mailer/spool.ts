import {closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync} from 'node:fs';
import {join} from 'node:path';
import {writeFileAtomicSync} from '../sys/fs-atomic.js';
import type {Mailer, MailMessage} from './mailer.js';
import {errnoCode, isErrno} from '../sys/errno.js';

/**
 * Messages that could not be delivered, one file each in the spool directory:
 * `UNIXMS-PID-N.json` holding the message as JSON, written atomically (`.new` created
 * exclusively, then renamed) with mode 0600. Oldest first by name. A later run retries them
 * before anything else.
 *
 * A message the server refuses for good (an SMTP 5xx reply, e.g. 554) or that still cannot be
 * delivered DEAD_AFTER_MS after it was spooled is moved aside to `dead/` (same name) and
 * reported once, so that one bad message never holds up the others. Dead letters are kept for
 * the admin to read or delete; nothing retries them.
 *
 * Spool files are read through a descriptor opened without following symlinks and checked
 * with fstat: a regular file owned by this process's uid and readable by nobody else.
 */
const SPOOLED = /^\d+-\d+-\d+\.json$/;
export const DEAD_DIR = 'dead';
/** How long a spooled message is retried: five days, sendmail's default queue return time. */
export const DEAD_AFTER_MS = 5 * 24 * 3600 * 1000;

export function spoolMessage(dir: string, message: MailMessage, now: number): string {
  ensurePrivateDir(dir);
  for (let n = 0; ; n++) {
    const path = join(dir, `${Math.floor(now)}-${process.pid}-${n}.json`);
    if (exists(path)) continue;
    writeFileAtomicSync(path, Buffer.from(`${JSON.stringify(message)}\n`), {mode: 0o600, fsync: true, exclusive: true});
    return path;
  }
}

/** Writes a message that will never be delivered straight into `dir/dead/`; returns its path. */
export function deadLetter(dir: string, message: MailMessage, now: number): string {
  ensurePrivateDir(dir);
  return spoolMessage(join(dir, DEAD_DIR), message, now);
}

export function listSpool(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => SPOOLED.test(name))
      .sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]) || a.localeCompare(b))
      .map((name) => join(dir, name));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
}

/** The message in a spool file; `problem` when the file is not one this process wrote or does not hold one. */
export function readSpooled(path: string, uid: number = process.geteuid?.() ?? 0): {message: MailMessage} | {problem: string} {
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
    let value: Partial<MailMessage>;
    try {
      value = JSON.parse(readFileSync(fd, 'utf8')) as Partial<MailMessage>;
    } catch (error) {
      if (errnoCode(error) !== undefined) throw error;
      return {problem: 'it does not hold a message'};
    }
    if (
      typeof value.from === 'string' &&
      Array.isArray(value.to) &&
      value.to.every((to) => typeof to === 'string') &&
      typeof value.subject === 'string' &&
      typeof value.text === 'string' &&
      typeof value.date === 'string'
    ) {
      return {message: value as MailMessage};
    }
    return {problem: 'it does not hold a message'};
  } finally {
    closeSync(fd);
  }
}

/** True for a failure that retrying cannot mend: an SMTP 5xx reply. */
export function isPermanentFailure(error: unknown): boolean {
  const code = (error as {responseCode?: unknown}).responseCode;
  return typeof code === 'number' && code >= 500 && code <= 599;
}

export interface DeadLetter {
  /** Where the message is now, in `dead/`. */
  path: string;
  error: unknown;
  /** 'refused': a permanent failure; 'expired': still failing DEAD_AFTER_MS after it was spooled. */
  why: 'refused' | 'expired';
}

export interface FlushResult {
  sent: string[];
  /** Moved to `dead/` during this flush (each is reported once: it is never retried). */
  dead: DeadLetter[];
  /** The first temporary failure; delivery stops there and the rest stays spooled. */
  failed?: {path: string; error: unknown};
  /** Files that are not a message this process spooled, with the reason: left alone. */
  unreadable: Array<{path: string; problem: string}>;
  /** Spool files left after the attempt (unreadable ones included). */
  remaining: number;
}

/**
 * Tries every spooled message in order, removing each one that was delivered and moving each
 * one that will never be to `dead/`. A temporary failure (server down) stops the flush: the
 * next message would most likely fail the same way.
 */
export async function flushSpool(dir: string, mailer: Mailer, options: {now: number; uid?: number}): Promise<FlushResult> {
  const paths = listSpool(dir);
  const result: FlushResult = {sent: [], dead: [], unreadable: [], remaining: 0};
  for (const path of paths) {
    const read = readSpooled(path, options.uid);
    if ('problem' in read) {
      result.unreadable.push({path, problem: read.problem});
      continue;
    }
    try {
      await mailer.send(read.message);
    } catch (error) {
      const spooledAt = Number(path.slice(path.lastIndexOf('/') + 1).split('-')[0]);
      const why = isPermanentFailure(error) ? 'refused' : options.now - spooledAt >= DEAD_AFTER_MS ? 'expired' : undefined;
      if (why === undefined) {
        result.failed = {path, error};
        result.remaining = paths.length - result.sent.length - result.dead.length;
        return result;
      }
      result.dead.push({path: moveToDead(dir, path), error, why});
      continue;
    }
    unlinkSync(path);
    result.sent.push(path);
  }
  result.remaining = result.unreadable.length;
  return result;
}

function moveToDead(dir: string, path: string): string {
  const dead = join(dir, DEAD_DIR);
  ensurePrivateDir(dead);
  const target = join(dead, path.slice(path.lastIndexOf('/') + 1));
  renameSync(path, target);
  return target;
}

/** mkdir DIR 0700 unless it exists; either way it must be a real directory (not a symlink) owned by us. */
function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, {mode: 0o700});
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  }
  const stats = lstatSync(dir);
  const uid = process.geteuid?.() ?? 0;
  if (!stats.isDirectory() || stats.uid !== uid || (stats.mode & 0o022) !== 0) {
    throw Object.assign(new Error(`${dir} is not a private directory owned by uid ${uid}`), {code: 'EPERM'});
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
