import {closeSync, constants, fstatSync, openSync, readSync} from 'node:fs';
import {isAbsolute, resolve} from 'node:path';

/** How much of a log's end is read, and how many lines of it a message shows. */
const TAIL_BYTES = 8192;
const TAIL_LINES = 10;

/**
 * The last lines of a service's multilog log: `current` in the last directory its script names
 * (`./main`, `/var/log/x`; relative to the logger's directory `logDir`). Stamps are kept as
 * multilog wrote them. undefined when there is none to read.
 */
export function logTail(logDir: string, script: readonly string[]): string | undefined {
  const dirs = script.filter((arg) => arg.startsWith('.') || arg.startsWith('/'));
  const last = dirs.at(-1);
  if (last === undefined) return undefined;
  const current = resolve(isAbsolute(last) ? last : resolve(logDir, last), 'current');
  let fd: number;
  try {
    fd = openSync(current, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.subarray(0, read).toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (size > length) lines.shift();
    const tail = lines.slice(-TAIL_LINES);
    return tail.length > 0 ? `${tail.join('\n')}\n` : undefined;
  } finally {
    closeSync(fd);
  }
}
