import type {EventSink, EventSource} from '../events/event.js';
import {NO_EVENTS} from '../events/event.js';
import type {TimerHandle, Time} from '../time/time.js';
import {runProbes, type ProbeOptions, type ProbeResult} from './probe.js';
import {freshRecord, step, type HealthRecord, type HealthSpec} from './verdict.js';

/** One service the monitor checks. */
export interface MonitoredService {
  readonly name: string;
  readonly spec: HealthSpec;
  /** The running child's pid, 0 when it is not up: no check runs then, and a new pid is a new start. */
  readonly pid: () => number;
  readonly account?: ProbeOptions['account'];
  /** The failing daemon is to be restarted (`action: restart`). */
  readonly restart: (reason: string) => void;
  /** Called after every check with the new record (to write it for `keepup status`). */
  readonly record?: (record: HealthRecord) => void;
  /** The first healthy check after a start (`ready: health`). */
  readonly healthyAfterStart?: () => void;
  /** A new pid was seen (a start): the readiness of the last one no longer holds. */
  readonly started?: () => void;
}

export interface MonitorOptions {
  readonly time: Time;
  /** Checks running at once, over all services. Default 16. */
  readonly parallel?: number;
  readonly events?: EventSink;
  readonly source?: EventSource;
  /** How one check is run (a seam for unit tests); default the real probes. */
  readonly check?: (service: MonitoredService, options: ProbeOptions) => Promise<ProbeResult>;
}

interface Entry {
  service: MonitoredService;
  record: HealthRecord;
  pid: number;
  timer: TimerHandle | undefined;
  queued: boolean;
  running: boolean;
  removed: boolean;
  announcedHealthy: boolean;
}

/**
 * Resident health checks: every service's checks every `interval`, timed from the end of its
 * last check (a service's checks never overlap), at most `parallel` at once over all services
 * (the others queue). Everything is asynchronous and cut at `timeout`, so a slow check delays
 * nothing but its own service's next one. Transitions are events (`unhealthy`, `healthy`).
 */
export class HealthMonitor {
  private readonly options: MonitorOptions;
  private readonly time: Time;
  private readonly parallel: number;
  private readonly events: EventSink;
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private running = 0;
  private readonly idle = new Set<() => void>();
  private stopped = false;

  constructor(options: MonitorOptions) {
    this.options = options;
    this.time = options.time;
    this.parallel = Math.max(1, options.parallel ?? 16);
    this.events = options.events ?? NO_EVENTS;
  }

  /** Starts (or, with a changed spec, re-arms) checking `service`; the first check is one interval away. */
  set(service: MonitoredService): void {
    const old = this.entries.get(service.name);
    if (old) {
      old.service = service;
      return;
    }
    const entry: Entry = {service, record: freshRecord(this.time.now()), pid: 0, timer: undefined, queued: false, running: false, removed: false, announcedHealthy: false};
    this.entries.set(service.name, entry);
    service.started?.();
    this.arm(entry);
  }

  /** Stops checking `name`. */
  remove(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    entry.removed = true;
    if (entry.timer !== undefined) this.time.clearTimeout(entry.timer);
    this.entries.delete(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  recordOf(name: string): HealthRecord | undefined {
    return this.entries.get(name)?.record;
  }

  /** Stops every timer and resolves once no check is running. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const name of [...this.entries.keys()]) this.remove(name);
    this.queue.length = 0;
    if (this.running > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private arm(entry: Entry): void {
    if (this.stopped || entry.removed) return;
    entry.timer = this.time.setTimeout(() => {
      entry.timer = undefined;
      this.enqueue(entry);
    }, entry.service.spec.intervalMs);
  }

  private enqueue(entry: Entry): void {
    if (entry.queued || entry.running || entry.removed) return;
    entry.queued = true;
    this.queue.push(entry);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.parallel) {
      const entry = this.queue.shift();
      if (!entry) return;
      entry.queued = false;
      if (entry.removed) continue;
      this.running++;
      entry.running = true;
      void this.checkOnce(entry).finally(() => {
        entry.running = false;
        this.running--;
        this.arm(entry);
        this.pump();
        if (this.running === 0) {
          for (const resolve of [...this.idle]) {
            this.idle.delete(resolve);
            resolve();
          }
        }
      });
    }
  }

  private async checkOnce(entry: Entry): Promise<void> {
    const {service} = entry;
    const pid = service.pid();
    if (pid === 0) return;
    if (pid !== entry.pid) {
      entry.pid = pid;
      entry.record = freshRecord(this.time.now());
      entry.announcedHealthy = false;
      service.started?.();
    }
    const probeOptions: ProbeOptions = {timeoutMs: service.spec.timeoutMs, time: this.time, ...(service.account ? {account: service.account} : {})};
    let result: ProbeResult;
    try {
      result = await (this.options.check ?? ((s, o) => runProbes(s.spec.probes, o)))(service, probeOptions);
    } catch (error) {
      result = {ok: false, reason: error instanceof Error ? error.message : String(error)};
    }
    if (entry.removed || service.pid() !== pid) return;
    const next = step(service.spec, entry.record, result, this.time.now());
    entry.record = next.record;
    service.record?.(next.record);
    const source = this.options.source ?? 'supervise';
    if (next.event) this.events.emit({service: service.name, kind: next.event, source, ...(next.event === 'unhealthy' && next.record.lastFailure ? {reason: next.record.lastFailure} : {})});
    if (next.record.state === 'healthy' && !entry.announcedHealthy) {
      entry.announcedHealthy = true;
      service.healthyAfterStart?.();
    }
    if (next.act && service.spec.action === 'restart') service.restart(next.record.lastFailure ?? 'unhealthy');
  }
}
