import {writeSync} from 'node:fs';
import {errnoException, loadProcessCalls, type ProcessCalls} from './native.js';

/** The account an operation is done as: what `setuidgid` gives a process (groups: just `gid`). */
export interface FsCredentials {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
}

let calls: Pick<ProcessCalls, 'setFsCredentials' | 'restoreFsCredentials'> | undefined;

/**
 * Runs the synchronous `operation` with the main thread's filesystem credentials set to
 * `credentials` (keepup's addon: per-thread setfsuid/setfsgid/setgroups), so every file it
 * makes belongs to that account and every permission check is the account's, exactly as in a
 * process that setuidgid started; then sets them back, whatever happened. Synchronous `node:fs`
 * calls run on the calling thread (libuv's thread pool serves only the asynchronous ones), and
 * nothing else runs meanwhile. An operation returning a promise is refused: its work would run
 * with the process's own credentials. When the credentials cannot be set the operation is not
 * run and the errno error is thrown; when they cannot be set back this process exits (111)
 * rather than go on as the account.
 */
export function withFsCredentials<T>(credentials: FsCredentials | undefined, operation: () => T): T {
  if (credentials === undefined) return operation();
  calls ??= loadProcessCalls();
  const set = calls.setFsCredentials(credentials.uid, credentials.gid, credentials.groups);
  if (set !== 0) throw errnoException(set, 'setfsuid');
  let result: T;
  try {
    result = operation();
  } finally {
    const restored = calls.restoreFsCredentials();
    if (restored !== 0) {
      writeSync(2, `keepup: fatal: unable to restore filesystem credentials: ${errnoException(restored, 'setfsuid').code}\n`);
      process.exit(111);
    }
  }
  if (result instanceof Promise) throw new TypeError('withFsCredentials: the operation must be synchronous');
  return result;
}
