import {closeSync, constants, openSync, readSync} from 'node:fs';
import {join} from 'node:path';
import {STATUS_FILE} from '../service-dir/layout.js';
import {writeFileAtomicSync} from '../sys/fs-atomic.js';
import {pack, STATUS_SIZE, unpack, type StatusRecord} from './codec.js';

/**
 * `supervise/status` on disk: read with one read, as svstat does (never blocking on a FIFO
 * planted there), and written by rename, as supervise's announce does. System errors are thrown
 * with their errno code and syscall, for the caller to word.
 */

/** DIR/supervise/status, read by name (svstat, svc's front-ends). 'bad-format' when shorter than 18 bytes. */
export function readStatus(dir: string): StatusRecord | 'bad-format' {
  return readStatusFile(join(dir, STATUS_FILE));
}

/** The status file at `path`; `follow: false` refuses a symlink there (ELOOP), as a supervisor reading its own does. */
export function readStatusFile(path: string, {follow = true}: {follow?: boolean} = {}): StatusRecord | 'bad-format' {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (follow ? 0 : constants.O_NOFOLLOW));
  try {
    const buffer = Buffer.alloc(STATUS_SIZE);
    const length = readSync(fd, buffer, 0, STATUS_SIZE, null);
    return unpack(buffer.subarray(0, length)) ?? 'bad-format';
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `record` to `path.new` (a leftover removed first, never written through a symlink) and
 * renames it over `path`. Throws AtomicWriteError naming the step that failed.
 */
export function writeStatusFile(path: string, record: StatusRecord): void {
  writeFileAtomicSync(path, pack(record), {exclusive: true});
}
