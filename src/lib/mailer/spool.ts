import {existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync} from 'node:fs';
import {join} from 'node:path';
import {writeFileAtomicSync} from '../sys/fs-atomic.js';
import type {Mailer, MailMessage} from './mailer.js';

/**
 * Messages that could not be delivered, one file each in the spool directory:
 * `UNIXMS-PID-N.json` holding the message as JSON, written atomically (`.new`, then rename)
 * with mode 0600. Oldest first by name. A later run retries them before anything else.
 */
const SPOOLED = /^\d+-\d+-\d+\.json$/;

export function spoolMessage(dir: string, message: MailMessage, now: number): string {
  mkdirSync(dir, {recursive: true, mode: 0o700});
  for (let n = 0; ; n++) {
    const path = join(dir, `${Math.floor(now)}-${process.pid}-${n}.json`);
    if (existsSync(path)) continue;
    writeFileAtomicSync(path, Buffer.from(`${JSON.stringify(message)}\n`), {mode: 0o600, fsync: true});
    return path;
  }
}

export function listSpool(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => SPOOLED.test(name))
      .sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]) || a.localeCompare(b))
      .map((name) => join(dir, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The message in a spool file; undefined when the file does not hold one. */
export function readSpooled(path: string): MailMessage | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<MailMessage>;
    if (typeof value.from === 'string' && Array.isArray(value.to) && value.to.every((to) => typeof to === 'string') &&
        typeof value.subject === 'string' && typeof value.text === 'string' && typeof value.date === 'string') {
      return value as MailMessage;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== undefined) throw error;
  }
  return undefined;
}

export interface FlushResult {
  sent: string[];
  /** The first failure; delivery stops there and the rest stays spooled. */
  failed?: {path: string; error: unknown};
  /** Files that do not hold a message: left alone. */
  unreadable: string[];
  /** Spool files left after the attempt (unreadable ones included). */
  remaining: number;
}

/** Tries every spooled message in order, removing each one that was delivered. */
export async function flushSpool(dir: string, mailer: Mailer): Promise<FlushResult> {
  const paths = listSpool(dir);
  const result: FlushResult = {sent: [], unreadable: [], remaining: 0};
  for (const path of paths) {
    const message = readSpooled(path);
    if (message === undefined) {
      result.unreadable.push(path);
      continue;
    }
    try {
      await mailer.send(message);
    } catch (error) {
      result.failed = {path, error};
      result.remaining = paths.length - result.sent.length;
      return result;
    }
    unlinkSync(path);
    result.sent.push(path);
  }
  return result;
}
