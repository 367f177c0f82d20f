import {constants} from 'node:fs';
import {SysError} from '../cli/errors.js';
import {lockFileSync} from '../sys/flock.js';

/** setlock's flags after the last of each pair wins: -n/-N (don't wait / wait), -x/-X (quiet / report). */
export interface SetlockFlags {
  nonblocking: boolean;
  quiet: boolean;
}

export const SETLOCK_SPEC = 'nNxX';

export function setlockFlags(options: ReadonlyArray<{option: string}>): SetlockFlags {
  const flags: SetlockFlags = {nonblocking: false, quiet: false};
  for (const {option} of options) {
    if (option === 'n' || option === 'N') flags.nonblocking = option === 'n';
    else if (option === 'x' || option === 'X') flags.quiet = option === 'x';
  }
  return flags;
}

/**
 * Opens FILE as setlock does (write-only, append, non-blocking open, created 0600, never
 * truncated) and takes an exclusive flock(2) on it, waiting unless `nonblocking`. Returns the
 * locked fd, which the caller passes on to the program; a lock held elsewhere under
 * `nonblocking` is EAGAIN (`temporary failure`). SysErrors are worded as setlock's.
 */
export function acquireLock(file: string, flags: Pick<SetlockFlags, 'nonblocking'>): number {
  const flagsOpen = constants.O_WRONLY | constants.O_NONBLOCK | constants.O_APPEND | constants.O_CREAT;
  const attempt = lockFileSync(file, {flags: flagsOpen, mode: 0o600, nonblocking: flags.nonblocking});
  if (attempt.kind === 'failed') throw new SysError(`${attempt.step} ${file}`, attempt.error);
  if (attempt.kind === 'busy') throw new SysError(`lock ${file}`, {code: 'EAGAIN'});
  return attempt.fd;
}
