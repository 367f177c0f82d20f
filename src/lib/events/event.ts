import type {Reporter} from '../cli/messages.js';

/**
 * keepup's one event model, shared by both modes: the supervisor (resident mode), the check
 * pass (check mode), health checks and the control interfaces all describe what happened to a
 * service as a KeepupEvent. The event log records every one; notifications, metrics and the
 * status page read them.
 *
 * - `started`: a child (or, in check mode, a daemon's start script) was started; `pid`.
 * - `exited`: the child ended; `code` or `signal`, `uptime` in seconds.
 * - `restarting`: a restart is scheduled; `delay` in seconds.
 * - `restarted`: check mode ran a missing daemon's start script (`reason`).
 * - `restart-failed`: check mode could not restart a daemon (`reason`).
 * - `gave-up`: the restart policy stopped restarting (`reason`); `retryAt` when a try is due.
 * - `recovered`: up for the policy's `resetAfter` after failures.
 * - `stopped`: taken down on purpose (`svc -d`, a control action; `by`).
 * - `unhealthy` / `healthy`: a health check's verdict changed (`reason`: the last failure).
 * - `ready`: the service signalled readiness.
 * - `control`: a control action was requested (`action`, `by`).
 */
export const EVENT_KINDS = ['started', 'exited', 'restarting', 'restarted', 'restart-failed', 'gave-up', 'recovered', 'stopped', 'unhealthy', 'healthy', 'ready', 'control'] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

/** Which part of keepup saw it: `keepup supervise`, a plain svscan/supervise, or a check pass. */
export type EventSource = 'supervise' | 'svscan' | 'check';

export interface KeepupEvent {
  /** ISO 8601 UTC with milliseconds, from the injected clock. */
  readonly time: string;
  readonly service: string;
  readonly kind: EventKind;
  readonly source: EventSource;
  readonly pid?: number;
  readonly code?: number;
  /** Signal name, such as `SIGKILL`. */
  readonly signal?: string;
  /** Seconds the child had been up when it exited. */
  readonly uptime?: number;
  /** Seconds until the next start. */
  readonly delay?: number;
  /** ISO 8601 time of the next try after giving up. */
  readonly retryAt?: string;
  readonly reason?: string;
  /** Who asked for it (a control action): `svc`, `web:NAME`, `keepup reset`. */
  readonly by?: string;
  readonly action?: string;
}

/** Everything of an event but its time, which the sink's clock gives. */
export type EventInput = Omit<KeepupEvent, 'time'>;

/** Where events go. `emit` never throws: a failing consumer is reported, not fatal. */
export interface EventSink {
  /** `at`: when it happened (unix ms), for an event handed on later than it happened; default now. */
  emit(event: EventInput, at?: number): void;
}

export type EventListener = (event: KeepupEvent) => void;

/**
 * Stamps events with the clock and hands each to every listener in subscription order (the
 * event log first, then notifications, metrics, the status page). A listener that throws is
 * reported through `reporter.warn` and the others still get the event.
 */
export class EventBus implements EventSink {
  private readonly listeners: EventListener[] = [];
  private readonly now: () => number;
  private readonly reporter: Reporter;

  constructor(now: () => number, reporter: Reporter) {
    this.now = now;
    this.reporter = reporter;
  }

  /** Adds a listener; the function returned removes it. */
  subscribe(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  emit(input: EventInput, at?: number): void {
    const event: KeepupEvent = {time: new Date(at ?? this.now()).toISOString(), ...input};
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.reporter.warn(`unable to handle event ${event.kind} of ${event.service}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/** A sink that drops everything: for callers that were given none. */
export const NO_EVENTS: EventSink = {emit() {}};

/** A parsed event-log line, or undefined when the line is not an event. */
export function parseEvent(line: string): KeepupEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.time !== 'string' || typeof record.service !== 'string' || typeof record.source !== 'string') return undefined;
  if (!(EVENT_KINDS as readonly unknown[]).includes(record.kind)) return undefined;
  return record as unknown as KeepupEvent;
}
