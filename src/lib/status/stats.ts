/**
 * `supervise/stats`: keepup's counters for one supervisor, one JSON object written atomically at
 * every start and exit of the child (the daemontools `status` beside it stays 18 bytes):
 * `{"since":MS,"starts":N,"lastExit":{"code":C,"signal":S,"at":MS}|null}`, times in unix ms.
 * `code` and `signal` are both null when the exit was seen by polling an adopted child.
 */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: string | null;
  readonly at: number;
}

export interface SupervisorStats {
  /** When this supervisor started (unix ms). */
  readonly since: number;
  /** Children it started (an adopted child is not counted). */
  readonly starts: number;
  readonly lastExit: ChildExit | null;
}

export function format(stats: SupervisorStats): string {
  return `${JSON.stringify({since: stats.since, starts: stats.starts, lastExit: stats.lastExit})}\n`;
}

const count = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** undefined for anything that is not such an object. */
export function parse(text: string): SupervisorStats | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const {since, starts, lastExit} = raw as Record<string, unknown>;
  if (!count(since) || !count(starts)) return undefined;
  if (lastExit === null) return {since, starts, lastExit: null};
  if (typeof lastExit !== 'object' || lastExit === undefined) return undefined;
  const {code, signal, at} = lastExit as Record<string, unknown>;
  if (!(code === null || Number.isSafeInteger(code)) || !(signal === null || typeof signal === 'string') || !count(at)) return undefined;
  return {since, starts, lastExit: {code: code as number | null, signal, at}};
}

/** Restarts since the supervisor started: every start after the first. */
export function restarts(stats: SupervisorStats): number {
  return Math.max(0, stats.starts - 1);
}
