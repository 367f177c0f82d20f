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

/** The restart policy gave up (keepup status: `failed`); unix ms. */
export interface FailedRecord {
  readonly at: number;
  readonly reason: string;
  /** When the next try is due; null: only by hand. */
  readonly retryAt: number | null;
}

export interface SupervisorStats {
  /** When this supervisor started (unix ms). */
  readonly since: number;
  /** Children it started (an adopted child is not counted). */
  readonly starts: number;
  readonly lastExit: ChildExit | null;
  /** Given up by the restart policy, and not started since; absent or null: not failed. */
  readonly failed?: FailedRecord | null;
}

export function format(stats: SupervisorStats): string {
  const failed = stats.failed ? {failed: stats.failed} : {};
  return `${JSON.stringify({since: stats.since, starts: stats.starts, lastExit: stats.lastExit, ...failed})}\n`;
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
  const {since, starts, lastExit, failed: failedRaw} = raw as Record<string, unknown>;
  if (!count(since) || !count(starts)) return undefined;
  const failed = parseFailed(failedRaw);
  const extra = failed ? {failed} : {};
  if (lastExit === null) return {since, starts, lastExit: null, ...extra};
  if (typeof lastExit !== 'object' || lastExit === undefined) return undefined;
  const {code, signal, at} = lastExit as Record<string, unknown>;
  if (!(code === null || Number.isSafeInteger(code)) || !(signal === null || typeof signal === 'string') || !count(at)) return undefined;
  return {since, starts, lastExit: {code: code as number | null, signal, at}, ...extra};
}

function parseFailed(value: unknown): FailedRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const {at, reason, retryAt} = value as Record<string, unknown>;
  if (!count(at) || typeof reason !== 'string' || !(retryAt === null || count(retryAt))) return undefined;
  return {at, reason, retryAt};
}

/** Restarts since the supervisor started: every start after the first. */
export function restarts(stats: SupervisorStats): number {
  return Math.max(0, stats.starts - 1);
}
