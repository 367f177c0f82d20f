import {unlinkSync} from 'node:fs';
import {join} from 'node:path';
import {DEAD_DIR, ensurePrivateDir, listSpoolFiles, moveToDead, readSpoolFile, spooledAt, writeSpoolFile} from '../sys/spool-dir.js';
import type {Mailer, MailMessage} from './mailer.js';

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
export {DEAD_DIR} from '../sys/spool-dir.js';
/** How long a spooled message is retried: five days, sendmail's default queue return time. */
export const DEAD_AFTER_MS = 5 * 24 * 3600 * 1000;

export function spoolMessage(dir: string, message: MailMessage, now: number): string {
  return writeSpoolFile(dir, message, now);
}

/** Writes a message that will never be delivered straight into `dir/dead/`; returns its path. */
export function deadLetter(dir: string, message: MailMessage, now: number): string {
  ensurePrivateDir(dir);
  return writeSpoolFile(join(dir, DEAD_DIR), message, now);
}

export const listSpool = listSpoolFiles;

/** The message in a spool file; `problem` when the file is not one this process wrote or does not hold one. */
export function readSpooled(path: string, uid: number = process.geteuid?.() ?? 0): {message: MailMessage} | {problem: string} {
  const read = readSpoolFile(path, NOT_A_MESSAGE, uid);
  if ('problem' in read) return read;
  const value = read.value as Partial<MailMessage> | null;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof value.from === 'string' &&
    Array.isArray(value.to) &&
    value.to.every((to) => typeof to === 'string') &&
    typeof value.subject === 'string' &&
    typeof value.text === 'string' &&
    typeof value.date === 'string'
  ) {
    return {message: value as MailMessage};
  }
  return {problem: NOT_A_MESSAGE};
}

const NOT_A_MESSAGE = 'it does not hold a message';

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
      const why = isPermanentFailure(error) ? 'refused' : options.now - spooledAt(path) >= DEAD_AFTER_MS ? 'expired' : undefined;
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
