import {closeSync, constants, openSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {isErrno} from '../sys/errno.js';
import {writeFileAtomicSync} from '../sys/fs-atomic.js';
import {seconds, type GivenUp, type RestartPolicy} from './policy.js';

/**
 * The restart policy in check mode (`keepup check`, `keepup cron`, the daemons `keepup supervise`
 * checks by name), measured over the restart history in the state dir: a daemon restarted
 * `giveUp.starts` times within `giveUp.within` seconds that is missing again is given up (one
 * report, then silence), tried once more after `retryAfter`, and `keepup reset NAME` clears it.
 *
 * What it remembers lives in `stateDir/given-up`: one JSON object,
 * `{"NAME": {"since": MS, "givenUp": {"at": MS, "retryAt": MS|null, "reason": "…"}|null, "retrying": BOOL}}`,
 * rewritten whole (`.new`, rename), never through a symlink. `since`: only restarts after it
 * count (set by `keepup reset` and by a recovery).
 */
export const GIVEN_UP_FILE = 'given-up';

export interface CheckRecord {
  readonly since: number;
  readonly givenUp: GivenUp | undefined;
  readonly retrying: boolean;
}

export type CheckRecords = ReadonlyMap<string, CheckRecord>;

export type CheckDecision =
  /** Restart it (`retry`: the one more try after giving up). */
  | {readonly kind: 'restart'; readonly retry: boolean}
  /** Give up now: one report. */
  | {readonly kind: 'give-up'; readonly givenUp: GivenUp}
  /** Given up before: nothing, silently. */
  | {readonly kind: 'given-up'; readonly givenUp: GivenUp};

/** What to do with a daemon that is missing, given its restart times (from the history, any order). */
export function decideMissing(policy: RestartPolicy, restarts: readonly number[], record: CheckRecord | undefined, now: number): CheckDecision {
  const givenUp = record?.givenUp;
  if (givenUp !== undefined) {
    if (givenUp.retryAt !== undefined && now >= givenUp.retryAt) return {kind: 'restart', retry: true};
    return {kind: 'given-up', givenUp};
  }
  const retryAt = policy.retryAfterMs > 0 ? now + policy.retryAfterMs : undefined;
  if (record?.retrying) return {kind: 'give-up', givenUp: {at: now, retryAt, reason: 'missing again after the retry'}};
  const giveUp = policy.giveUp;
  if (giveUp === undefined) return {kind: 'restart', retry: false};
  const since = record?.since ?? -Infinity;
  const counted = restarts.filter((at) => at > since && at > now - giveUp.withinMs && at <= now).length;
  if (counted < giveUp.starts) return {kind: 'restart', retry: false};
  return {kind: 'give-up', givenUp: {at: now, retryAt, reason: `restarted ${counted} times within ${seconds(giveUp.withinMs)} and missing again`}};
}

/**
 * A daemon found running: its record is dropped (it recovered) when it had given up (someone
 * started it) or when it has run for `resetAfter` since the retry. True when it recovered.
 */
export function recoveredRunning(policy: RestartPolicy, lastRestart: number | undefined, record: CheckRecord | undefined, now: number): boolean {
  if (record === undefined || (record.givenUp === undefined && !record.retrying)) return false;
  if (record.givenUp !== undefined) return true;
  return lastRestart === undefined || now - lastRestart >= policy.resetAfterMs;
}

/** The records in `stateDir/given-up`; none when it does not exist; garbage counts as none. */
export function readCheckRecords(stateDir: string): Map<string, CheckRecord> {
  const records = new Map<string, CheckRecord>();
  let fd: number;
  try {
    fd = openSync(join(stateDir, GIVEN_UP_FILE), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return records;
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(fd, 'utf8'));
  } catch {
    return records;
  } finally {
    closeSync(fd);
  }
  if (typeof raw !== 'object' || raw === null) return records;
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const record = parseRecord(value);
    if (record) records.set(name, record);
  }
  return records;
}

function parseRecord(value: unknown): CheckRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const {since, givenUp, retrying} = value as Record<string, unknown>;
  if (typeof since !== 'number' || typeof retrying !== 'boolean') return undefined;
  if (givenUp === null || givenUp === undefined) return {since, givenUp: undefined, retrying};
  const {at, retryAt, reason} = givenUp as Record<string, unknown>;
  if (typeof at !== 'number' || !(retryAt === null || typeof retryAt === 'number') || typeof reason !== 'string') return undefined;
  return {since, givenUp: {at, retryAt: retryAt ?? undefined, reason}, retrying};
}

/** Rewrites `stateDir/given-up` atomically (0600, never through a symlink). */
export function writeCheckRecords(stateDir: string, records: CheckRecords): void {
  const object: Record<string, unknown> = {};
  for (const [name, record] of records) {
    object[name] = {since: record.since, givenUp: record.givenUp ? {...record.givenUp, retryAt: record.givenUp.retryAt ?? null} : null, retrying: record.retrying};
  }
  writeFileAtomicSync(join(stateDir, GIVEN_UP_FILE), Buffer.from(`${JSON.stringify(object)}\n`), {mode: 0o600, exclusive: true});
}

/** `keepup reset NAME` in check mode: forget it gave up and count restarts from now. */
export function resetRecord(records: Map<string, CheckRecord>, name: string, now: number): void {
  records.set(name, {since: now, givenUp: undefined, retrying: false});
}
