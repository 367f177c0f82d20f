import {spawn, spawnSync} from 'node:child_process';
import {closeSync, openSync} from 'node:fs';
import {errnoName} from './errno.js';
import {errnoException, optionalProcessCall, type ProcessCalls} from './native.js';

/**
 * BSD flock(2) on an fd this process holds, the only lock the real supervise, multilog and
 * setlock honour (fcntl locks do not conflict with it on Linux). Node has no flock: a
 * non-blocking lock is taken by keepup's addon (src/native/process.c) in the calling thread; a
 * blocking wait, or any lock where the addon is not built, goes to util-linux `flock`, which gets
 * the fd as its fd 3, locks the shared open file description and exits. Either way the lock
 * lives as long as this process keeps the fd open.
 */
export type FlockResult = 'locked' | 'busy';

/** The addon's flock; null when the addon is not there or predates it (util-linux then). */
function nativeFlock(): Pick<ProcessCalls, 'flockExclusiveNonblocking'> | null {
  return optionalProcessCall('flockExclusiveNonblocking');
}

function nativeOutcome(errno: number): FlockResult {
  if (errno === 0) return 'locked';
  const name = errnoName(errno);
  if (name === 'EAGAIN' || name === 'EWOULDBLOCK') return 'busy';
  throw errnoException(errno, 'flock failed');
}

const CONFLICT = 75;

function args(nonblocking: boolean): string[] {
  return nonblocking ? ['-x', '-n', '-E', String(CONFLICT), '3'] : ['-x', '-E', String(CONFLICT), '3'];
}

function outcome(status: number | null, stderr: string): FlockResult {
  if (status === 0) return 'locked';
  if (status === CONFLICT) return 'busy';
  const error: NodeJS.ErrnoException = new Error(`flock failed: ${stderr.trim() || `status ${status}`}`);
  error.code = /Bad file descriptor/.test(stderr) ? 'EBADF' : /No locks available/.test(stderr) ? 'ENOLCK' : 'EIO';
  throw error;
}

/** Exclusive lock, synchronously. Non-blocking: 'busy' when another holder has it. */
export function flockExclusiveSync(fd: number, options: {nonblocking: boolean}): FlockResult {
  const native = options.nonblocking ? nativeFlock() : null;
  if (native) return nativeOutcome(native.flockExclusiveNonblocking(fd));
  const result = spawnSync('flock', args(options.nonblocking), {
    stdio: ['ignore', 'ignore', 'pipe', fd],
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  return outcome(result.status, result.stderr);
}

/** Exclusive lock without blocking the event loop (a blocking wait happens in the helper). */
export function flockExclusive(fd: number, options: {nonblocking: boolean}): Promise<FlockResult> {
  const native = options.nonblocking ? nativeFlock() : null;
  if (native) {
    try {
      return Promise.resolve(nativeOutcome(native.flockExclusiveNonblocking(fd)));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return new Promise((resolve, reject) => {
    const child = spawn('flock', args(options.nonblocking), {stdio: ['ignore', 'ignore', 'pipe', fd]});
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      try {
        resolve(outcome(status, stderr));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** How a lock file is opened and locked: open(2) flags (O_CREAT makes it with `mode`), and whether to wait. */
export interface LockFileOptions {
  readonly flags: number;
  readonly mode?: number;
  readonly nonblocking: boolean;
}

/**
 * A lock taken (the caller now holds `fd`; the lock lives as long as it stays open), held by
 * someone else, or a system error, with the step that failed so that callers word it as their
 * daemontools counterpart does. On anything but `locked` no descriptor is left open.
 */
export type LockAttempt = {kind: 'locked'; fd: number} | {kind: 'busy'} | {kind: 'failed'; step: 'open' | 'lock'; error: unknown};

/** Opens `path` and takes an exclusive flock on it, synchronously; closes it again unless locked. */
export function lockFileSync(path: string, options: LockFileOptions): LockAttempt {
  const opened = openLockFile(path, options);
  if (typeof opened !== 'number') return opened;
  try {
    return held(opened, flockExclusiveSync(opened, options));
  } catch (error) {
    closeSync(opened);
    return {kind: 'failed', step: 'lock', error};
  }
}

/** As lockFileSync, without blocking the event loop while it waits. */
export async function lockFile(path: string, options: LockFileOptions): Promise<LockAttempt> {
  const opened = openLockFile(path, options);
  if (typeof opened !== 'number') return opened;
  try {
    return held(opened, await flockExclusive(opened, options));
  } catch (error) {
    closeSync(opened);
    return {kind: 'failed', step: 'lock', error};
  }
}

function openLockFile(path: string, options: LockFileOptions): number | LockAttempt {
  try {
    return openSync(path, options.flags, options.mode ?? 0o600);
  } catch (error) {
    return {kind: 'failed', step: 'open', error};
  }
}

function held(fd: number, result: FlockResult): LockAttempt {
  if (result === 'locked') return {kind: 'locked', fd};
  closeSync(fd);
  return {kind: 'busy'};
}
