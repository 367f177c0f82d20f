import {readinessOf} from '../health/records.js';
import type {StatusRecord} from '../status/codec.js';
import {stampMs} from '../status/stamp.js';
import {stateWords} from '../status/summary.js';

/**
 * What a supervise status says about "really runs" (pure):
 * - 'up': a pid, not paused, the process alive (not a zombie awaiting supervise's reaping,
 *   which is what a crashing service looks like during supervise's 1 s restart pause), and
 *   unchanged for at least the settle time (the status stamp is the last pid change);
 * - 'starting': a live pid, not yet up for the settle time;
 * - 'paused', 'exiting' (a pid that is dead or a zombie), 'down' (no pid).
 */
export type Observed = {state: 'up' | 'starting'; pid: number; upMs: number} | {state: 'paused' | 'exiting'; pid: number} | {state: 'down'};

export function observe(record: StatusRecord, nowMs: number, settleMs: number, isLive: (pid: number) => boolean): Observed {
  if (record.pid === 0) return {state: 'down'};
  if (record.paused) return {state: 'paused', pid: record.pid};
  if (!isLive(record.pid)) return {state: 'exiting', pid: record.pid};
  const upMs = Math.max(0, nowMs - stampMs(record));
  return {state: upMs >= settleMs ? 'up' : 'starting', pid: record.pid, upMs};
}

/** svstat-like text: `up (pid 12) 3 seconds`, `down`, `paused (pid 12)`, `exiting (pid 12)`. */
export function describeObserved(observed: Observed): string {
  switch (observed.state) {
    case 'down':
      return 'down';
    case 'paused':
    case 'exiting':
      return `${observed.state} (pid ${observed.pid})`;
    default:
      return stateWords(observed.pid, Math.floor(observed.upMs / 1000));
  }
}

/** Whether service `dir` is ready for child `pid`; undefined without a readiness protocol (see readinessOf). */
export const readyFor: (dir: string, pid: number) => boolean | undefined = readinessOf;
