import {toUnixSeconds} from '../tai64n/codec.js';
import type {StatusRecord} from './codec.js';

/** The arithmetic on a status record's stamp (the last pid change). Pure. */

/** The stamp in unix milliseconds. */
export function stampMs(record: StatusRecord): number {
  return Number(toUnixSeconds(record.stamp)) * 1000 + Math.floor(record.stamp.nanoseconds / 1e6);
}

/**
 * Whole seconds since the stamp, as svstat counts them: `nowMs` cut to whole seconds (as
 * time(NULL)) minus the stamp's second; 0 for a stamp in the future. A bigint, so a stamp of
 * any size prints exactly.
 */
export function secondsSince(record: StatusRecord, nowMs: number): bigint {
  const elapsed = BigInt(Math.floor(nowMs / 1000)) - toUnixSeconds(record.stamp);
  return elapsed < 0n ? 0n : elapsed;
}
