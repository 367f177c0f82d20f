import {closeSync, constants, openSync, readFileSync} from 'node:fs';
import {writeFileAtomicSync} from '../sys/fs-atomic.js';
import {isErrno} from '../sys/errno.js';

/**
 * The restart history, `stateDir/history`: one JSON object per line,
 * `{"daemon":"NAME","time":UNIX_MS}`, plus `"scriptPid":PID` when the start script was still
 * running at the end of the pass, oldest first. It is rewritten whole (write `.new`,
 * rename) so a crash never leaves half a line. Entries older than KEEP_MS are dropped.
 */
export interface Restart {
  daemon: string;
  /** Unix time in milliseconds when the start script was launched. */
  time: number;
  /** The start script's pid (it leads its own session) when it had not ended by the deadline. */
  scriptPid?: number;
}

export const HISTORY_FILE = 'history';
export const KEEP_MS = 7 * 24 * 3600 * 1000;

export function format(restarts: readonly Restart[]): string {
  return restarts
    .map((restart) => {
      const record = {daemon: restart.daemon, time: Math.round(restart.time), ...(restart.scriptPid !== undefined ? {scriptPid: restart.scriptPid} : {})};
      return `${JSON.stringify(record)}\n`;
    })
    .join('');
}

/** Lines that are not a restart record are skipped and counted, never fatal. */
export function parse(text: string): {restarts: Restart[]; badLines: number} {
  const restarts: Restart[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as Partial<Restart>;
      if (typeof value.daemon === 'string' && typeof value.time === 'number' && Number.isFinite(value.time)) {
        const scriptPid = Number.isSafeInteger(value.scriptPid) && value.scriptPid! > 0 ? {scriptPid: value.scriptPid!} : {};
        restarts.push({daemon: value.daemon, time: value.time, ...scriptPid});
        continue;
      }
    } catch {
      // counted below
    }
    badLines++;
  }
  return {restarts, badLines};
}

/** The history file's records; none when it does not exist yet. */
export function readHistory(path: string): {restarts: Restart[]; badLines: number} {
  let fd: number;
  try {
    // Never through a symlink, and a FIFO planted there cannot block the pass.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return {restarts: [], badLines: 0};
    throw error;
  }
  try {
    return parse(readFileSync(fd, 'utf8'));
  } finally {
    closeSync(fd);
  }
}

/** Appends `added` and drops what is older than KEEP_MS before `now`, atomically. */
export function recordRestarts(path: string, previous: readonly Restart[], added: readonly Restart[], now: number): Restart[] {
  const kept = [...previous, ...added].filter((restart) => restart.time > now - KEEP_MS);
  writeFileAtomicSync(path, Buffer.from(format(kept)), {mode: 0o600, fsync: true, exclusive: true});
  return kept;
}

/** How many restarts of `daemon` happened in the `windowMs` before `now`. */
export function countSince(restarts: readonly Restart[], daemon: string, now: number, windowMs: number): number {
  return restarts.filter((restart) => restart.daemon === daemon && restart.time > now - windowMs && restart.time <= now).length;
}
