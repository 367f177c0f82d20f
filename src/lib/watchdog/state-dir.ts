import {closeSync, constants, mkdirSync, openSync} from 'node:fs';
import {join} from 'node:path';
import {flockExclusiveSync} from '../sys/flock.js';
import {checkTrusted} from '../security/ownership.js';

/**
 * The watchdog's state directory: `lock` (flock held for a whole pass), `history` (restart
 * record) and `spool/` (undelivered mail). Created 0700; refused when another user could
 * write into it, since what it holds decides what gets restarted and mailed.
 */
export const LOCK_FILE = 'lock';
export const SPOOL_DIR = 'spool';

export type StateDirOutcome = {ok: true} | {ok: false; problem: string; cause?: unknown};

export function prepareStateDir(dir: string, uids: readonly number[]): StateDirOutcome {
  try {
    mkdirSync(dir, {recursive: true, mode: 0o700});
  } catch (error) {
    return {ok: false, problem: 'unable to create it', cause: error};
  }
  const trusted = checkTrusted(dir, 'directory', uids);
  return trusted.ok ? {ok: true} : {ok: false, problem: trusted.problem, ...(trusted.cause ? {cause: trusted.cause} : {})};
}

export interface HeldLock {
  release(): void;
}

export type LockOutcome = {kind: 'locked'; lock: HeldLock} | {kind: 'busy'};

/**
 * Takes the state directory's lock, retrying every `pollMs` for up to `waitMs` while another
 * run holds it. The lock is a flock(2) on `stateDir/lock`, released on `release()` or exit.
 */
export async function lockStateDir(
  dir: string,
  options: {waitMs: number; pollMs?: number; sleep?: (ms: number) => Promise<void>},
): Promise<LockOutcome> {
  const fd = openSync(join(dir, LOCK_FILE), constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + options.waitMs;
  try {
    for (;;) {
      if (flockExclusiveSync(fd, {nonblocking: true}) === 'locked') {
        return {kind: 'locked', lock: {release: () => closeSync(fd)}};
      }
      if (Date.now() >= deadline) break;
      await sleep(Math.min(options.pollMs ?? 250, Math.max(1, deadline - Date.now())));
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  closeSync(fd);
  return {kind: 'busy'};
}
