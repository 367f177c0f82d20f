import {closeSync, constants, mkdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {lockFileSync} from '../sys/flock.js';
import {checkTrustedPath} from '../security/trusted-path.js';
import {systemTime, type Time} from '../time/time.js';
import {errnoCode} from '../sys/errno.js';

/**
 * The watchdog's state directory: `lock` (flock held for a whole pass), `history` (restart
 * record), `pidns` (the pid namespace the daemons live in) and `spool/` (undelivered mail).
 * Created 0700; refused when another user could write into it or into any directory above it
 * (security/trusted-path), since what it holds decides what gets restarted and mailed. Files
 * in it are opened without following symlinks and temporary files are created exclusively.
 */
export const LOCK_FILE = 'lock';
export const SPOOL_DIR = 'spool';

export type StateDirOutcome = {ok: true} | {ok: false; problem: string; cause?: unknown};

export function prepareStateDir(dir: string, uids: readonly number[]): StateDirOutcome {
  try {
    makeDirectories(dir);
  } catch (error) {
    return {ok: false, problem: 'unable to create it', cause: error};
  }
  const trusted = checkTrustedPath(dir, 'directory', uids);
  return trusted.ok ? {ok: true} : {ok: false, problem: trusted.problem, ...(trusted.cause ? {cause: trusted.cause} : {})};
}

/**
 * mkdir -p with mode 0700, one level at a time: Node's recursive mkdir reports ENOENT, not
 * EROFS, on a read-only file system.
 */
function makeDirectories(dir: string): void {
  try {
    mkdirSync(dir, 0o700);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
    makeDirectories(dirname(dir));
    mkdirSync(dir, 0o700);
  }
}

export interface HeldLock {
  release(): void;
}

/** `unavailable`: the lock file cannot be created (read-only or full file system): the errno error. */
export type LockOutcome = {kind: 'locked'; lock: HeldLock} | {kind: 'busy'} | {kind: 'unavailable'; cause: NodeJS.ErrnoException};

/** Errors that mean the state directory cannot be written now, not that it is wrong. */
const UNWRITABLE = new Set(['EROFS', 'ENOSPC', 'EDQUOT']);
export function isUnwritable(error: unknown): boolean {
  return UNWRITABLE.has(errnoCode(error) ?? '');
}

/**
 * Takes the state directory's lock, retrying every `pollMs` for up to `waitMs` while another
 * run holds it. The lock is a flock(2) on `stateDir/lock`, released on `release()` or exit.
 */
export async function lockStateDir(dir: string, options: {waitMs: number; pollMs?: number; time?: Time}): Promise<LockOutcome> {
  const path = join(dir, LOCK_FILE);
  const attempt = (): LockOutcome | undefined => {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK;
    let taken = lockFileSync(path, {flags, mode: 0o600, nonblocking: true});
    if (taken.kind === 'failed' && taken.step === 'open' && isUnwritable(taken.error)) {
      // flock needs no write access: an existing lock file still excludes on a read-only file system.
      const cause = taken.error as NodeJS.ErrnoException;
      taken = lockFileSync(path, {flags: constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK, nonblocking: true});
      if (taken.kind === 'failed' && taken.step === 'open') return {kind: 'unavailable', cause};
    }
    if (taken.kind === 'failed') throw taken.error;
    if (taken.kind === 'busy') return undefined;
    const fd = taken.fd;
    return {kind: 'locked', lock: {release: () => closeSync(fd)}};
  };
  const time = options.time ?? systemTime;
  const deadline = time.now() + options.waitMs;
  for (;;) {
    const outcome = attempt();
    if (outcome) return outcome;
    if (time.now() >= deadline) break;
    await time.sleep(Math.min(options.pollMs ?? 250, Math.max(1, deadline - time.now())));
  }
  return {kind: 'busy'};
}
