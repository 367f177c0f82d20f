import type {HealthProbe, ProbeResult} from './probe.js';

/** A daemon's `health:` as validated. */
export interface HealthSpec {
  readonly probes: readonly HealthProbe[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive failures before the daemon counts as unhealthy (and `action` is taken). */
  readonly failures: number;
  /** Failures this soon after a start do not count. */
  readonly startPeriodMs: number;
  readonly action: 'restart' | 'alert';
}

export const HEALTH_DEFAULTS = {intervalSeconds: 10, timeoutSeconds: 5, failures: 3, startPeriodSeconds: 0, action: 'restart'} as const;

export type HealthState = 'starting' | 'healthy' | 'unhealthy';

/** What `keepup status` shows (the keepup-only `supervise/health` file, and check mode's history). */
export interface HealthRecord {
  readonly state: HealthState;
  /** Unix ms of the last change of state. */
  readonly since: number;
  /** Consecutive failures that counted. */
  readonly failures: number;
  readonly lastFailure: string | null;
  readonly lastCheck: {readonly time: number; readonly ok: boolean; readonly reason: string | null} | null;
  /** Unix ms of the start the record counts from (the start period's beginning). */
  readonly startedAt: number;
}

/** What a check result changed: events to emit and whether to act. */
export interface Step {
  readonly record: HealthRecord;
  readonly event?: 'unhealthy' | 'healthy';
  /** The daemon has failed `failures` times in a row: take `action`. */
  readonly act: boolean;
}

export function freshRecord(startedAt: number): HealthRecord {
  return {state: 'starting', since: startedAt, failures: 0, lastFailure: null, lastCheck: null, startedAt};
}

/**
 * The pure rules (pure: the clock comes in as `now`):
 * - a success makes the daemon healthy and resets the count (`healthy` event after unhealthy);
 * - a failure within `startPeriod` of the start only records the check;
 * - otherwise it counts; at `failures` in a row the daemon is unhealthy (`unhealthy` event once)
 *   and `act` is set on that check and on every further one while the failures go on
 *   (the count restarts at 0 after acting, so a restart gets `failures` checks again).
 */
export function step(spec: HealthSpec, record: HealthRecord, result: ProbeResult, now: number): Step {
  const lastCheck = {time: now, ok: result.ok, reason: result.ok ? null : result.reason};
  if (result.ok) {
    const changed = record.state !== 'healthy';
    return {
      record: {...record, state: 'healthy', since: changed ? now : record.since, failures: 0, lastCheck},
      ...(record.state === 'unhealthy' ? {event: 'healthy' as const} : {}),
      act: false,
    };
  }
  if (now - record.startedAt < spec.startPeriodMs) return {record: {...record, lastCheck, lastFailure: result.reason}, act: false};
  const failures = record.failures + 1;
  if (failures < spec.failures) return {record: {...record, failures, lastCheck, lastFailure: result.reason}, act: false};
  const becomes = record.state !== 'unhealthy';
  return {
    record: {...record, state: 'unhealthy', since: becomes ? now : record.since, failures: 0, lastCheck, lastFailure: result.reason},
    ...(becomes ? {event: 'unhealthy' as const} : {}),
    act: true,
  };
}

/** `healthy`, `unhealthy since TIME: REASON`, `starting`: the status text. */
export function describeHealth(record: HealthRecord): string {
  if (record.state === 'unhealthy') return `unhealthy since ${new Date(record.since).toISOString()}: ${record.lastFailure ?? 'unknown'}`;
  return record.state;
}

/** A record read back from JSON, or undefined when it is not one. */
export function parseHealthRecord(text: string): HealthRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<HealthRecord> | null;
    if (!value || typeof value !== 'object') return undefined;
    if (value.state !== 'starting' && value.state !== 'healthy' && value.state !== 'unhealthy') return undefined;
    if (typeof value.since !== 'number' || typeof value.failures !== 'number' || typeof value.startedAt !== 'number') return undefined;
    return {state: value.state, since: value.since, failures: value.failures, lastFailure: value.lastFailure ?? null, lastCheck: value.lastCheck ?? null, startedAt: value.startedAt};
  } catch {
    return undefined;
  }
}
