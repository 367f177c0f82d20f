import {closeSync, constants, fstatSync, openSync, readFileSync, renameSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import {isErrno} from '../sys/errno.js';
import {errnoException, optionalProcessCall} from '../sys/native.js';
import {parseEvent, type KeepupEvent} from './event.js';

/**
 * The event log: `DIR/events`, one KeepupEvent as JSON per line, appended with O_APPEND so
 * writers in several processes (a check pass beside `keepup supervise`) never interleave
 * within a line. When an append would take the file past `maxBytes` it is first renamed to
 * `DIR/events.1` (replacing the older one), so the log keeps between maxBytes and 2·maxBytes of
 * the newest events. Never through a symlink; created 0600. The directory's trust is the
 * caller's (the state dir, checked when it is prepared).
 */
export const EVENT_LOG_FILE = 'events';
export const EVENT_LOG_ROTATED = 'events.1';
export const DEFAULT_EVENT_LOG_BYTES = 1024 * 1024;

const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const READ = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export class EventLog {
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly dirFd: number | undefined;

  /**
   * `dirFd`, when given, is a descriptor held on `dir` (the same directory): appends then go
   * through it in one call into the addon (openat, fstat, write, close), with no path to
   * resolve; `dir` still names the directory in messages.
   */
  constructor(dir: string, maxBytes = DEFAULT_EVENT_LOG_BYTES, dirFd?: number) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.dirFd = dirFd;
  }

  /** Appends one event; throws the system error when the log cannot be written. */
  append(event: KeepupEvent): void {
    this.appendAll([event]);
  }

  /** Appends events in one write (each its own line, in order); throws as append does. */
  appendAll(events: readonly KeepupEvent[]): void {
    if (events.length === 0) return;
    let text = '';
    for (const event of events) text += `${JSON.stringify(event)}\n`;
    const line = Buffer.from(text);
    const calls = this.dirFd === undefined ? null : optionalProcessCall('appendAt');
    if (calls) {
      const result = calls.appendAt(this.dirFd!, EVENT_LOG_FILE, line, 0o600, this.maxBytes, EVENT_LOG_ROTATED);
      if (result !== 0) throw errnoException(result, `append to '${join(this.dir, EVENT_LOG_FILE)}'`);
      return;
    }
    const path = join(this.dir, EVENT_LOG_FILE);
    let fd = openSync(path, APPEND, 0o600);
    try {
      const size = fstatSync(fd).size;
      if (size > 0 && size + line.length > this.maxBytes) {
        closeSync(fd);
        fd = -1;
        renameSync(path, join(this.dir, EVENT_LOG_ROTATED));
        fd = openSync(path, APPEND, 0o600);
      }
      writeSync(fd, line);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }
}

export interface EventFilter {
  /** Only this service's events. */
  readonly service?: string;
  /** Only the newest `limit` events (after the service filter). */
  readonly limit?: number;
}

/** The events in DIR's log, oldest first; lines that are not events are skipped. */
export function readEvents(dir: string, filter: EventFilter = {}): KeepupEvent[] {
  const events: KeepupEvent[] = [];
  for (const name of [EVENT_LOG_ROTATED, EVENT_LOG_FILE]) {
    for (const line of readText(join(dir, name)).split('\n')) {
      if (line === '') continue;
      const event = parseEvent(line);
      if (event !== undefined && (filter.service === undefined || event.service === filter.service)) events.push(event);
    }
  }
  return filter.limit !== undefined ? events.slice(Math.max(0, events.length - filter.limit)) : events;
}

function readText(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, READ);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return '';
    throw error;
  }
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * An EventBus listener appending to DIR's event log. A log that cannot be written is reported
 * once per distinct problem (not once per event) and never stops anything.
 */
export function logListener(dir: string, reporter: {warn(message: string): void}, maxBytes = DEFAULT_EVENT_LOG_BYTES): (event: KeepupEvent) => void {
  const log = new EventLog(dir, maxBytes);
  let last: string | undefined;
  return (event) => {
    try {
      log.append(event);
      last = undefined;
    } catch (error) {
      const text = `unable to write the event log ${join(dir, EVENT_LOG_FILE)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
      if (text !== last) reporter.warn(text);
      last = text;
    }
  };
}
