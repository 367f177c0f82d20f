import {closeSync, constants, openSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {writeFileAtomicSync} from '../sys/fs-atomic.js';
import {isErrno} from '../sys/errno.js';

/**
 * `stateDir/pidns`: the pid namespace (`pid:[INODE]`) of the first pass that used this state
 * directory. A later pass in another namespace sees another process table (a container, an
 * `unshare -p` shell) in which the daemons may be running unseen; it refuses to act rather
 * than start second copies. Deleting the file accepts the namespace of the next pass.
 */
export const PIDNS_FILE = 'pidns';

export type NamespaceCheck =
  | {kind: 'same'}
  | {kind: 'recorded'}
  | {kind: 'changed'; recorded: string; current: string; file: string}
  /** No namespace to compare (not Linux), or none recorded and recording was not asked for. */
  | {kind: 'unknown'};

/** Compares `current` with the record, writing the record first when there is none and `record` is set. */
export function checkPidNamespace(stateDir: string, current: string | undefined, options: {record: boolean}): NamespaceCheck {
  if (current === undefined) return {kind: 'unknown'};
  const file = join(stateDir, PIDNS_FILE);
  const recorded = readRecord(file);
  if (recorded === undefined) {
    if (!options.record) return {kind: 'unknown'};
    writeFileAtomicSync(file, Buffer.from(`${current}\n`), {mode: 0o600, fsync: true, exclusive: true});
    return {kind: 'recorded'};
  }
  return recorded === current ? {kind: 'same'} : {kind: 'changed', recorded, current, file};
}

function readRecord(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  try {
    return readFileSync(fd, 'utf8').trim();
  } finally {
    closeSync(fd);
  }
}
