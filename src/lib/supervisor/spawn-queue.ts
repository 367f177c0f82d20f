import {systemTime, type Time} from '../time/time.js';

/**
 * Starts waiting their turn. However many services are due at once (a crash storm: hundreds of
 * `run`s exiting together), each exit and control byte only queues a start or answers at once;
 * the forks run in slices of at most `sliceMs` (at least one start per slice), with a turn of
 * the event loop between slices, so control FIFOs, signals and child exits keep being served
 * while restarts catch up. One queue per process: the event loop is what it shares out.
 */
export interface SpawnQueueOptions {
  /** How long one slice may run. Default 10 ms. */
  readonly sliceMs?: number;
  /**
   * How many starts one slice may run. Default 8: each start can be a child that exits at
   * once (a crash storm), a zombie until the event loop turns and reads its exit.
   */
  readonly startsPerSlice?: number;
  /** Runs the next slice after the event loop has polled for I/O. Default setImmediate. */
  readonly schedule?: (callback: () => void) => void;
  /** The clock that measures a slice. Default systemTime. */
  readonly time?: Time;
}

export class SpawnQueue {
  private readonly jobs = new Set<() => void>();
  private readonly sliceMs: number;
  private readonly startsPerSlice: number;
  private readonly schedule: (callback: () => void) => void;
  private readonly time: Time;
  private scheduled = false;
  private readonly after: Array<() => void> = [];
  /** The end of this turn's budget for starts run at once; undefined when none ran this turn. */
  private turnEnd: number | undefined;
  /** Starts run at once this turn. */
  private turnStarts = 0;

  constructor(options: SpawnQueueOptions = {}) {
    this.sliceMs = options.sliceMs ?? 10;
    this.startsPerSlice = options.startsPerSlice ?? 8;
    this.schedule = options.schedule ?? ((callback) => setImmediate(callback));
    this.time = options.time ?? systemTime;
  }

  /** Queues `job` behind the others; the function returned takes it out again if it has not run. */
  add(job: () => void): () => void {
    const entry = () => job();
    this.jobs.add(entry);
    this.arm();
    return () => {
      this.jobs.delete(entry);
    };
  }

  /**
   * Runs `job` at once when nothing waits and this turn of the event loop has not yet spent a
   * slice on starts run this way (a single restart: no loop turn between the exit and the
   * fork); else queues it as `add` does. Returns undefined when the job ran, else its canceller.
   */
  runOrAdd(job: () => void): (() => void) | undefined {
    if (this.jobs.size > 0 || this.scheduled || !this.withinTurnBudget()) return this.add(job);
    job();
    return undefined;
  }

  /** Whether this turn's budget for starts run at once is left; the first one opens it. */
  private withinTurnBudget(): boolean {
    const now = this.time.now();
    if (this.turnEnd === undefined) {
      this.turnEnd = now + this.sliceMs;
      this.turnStarts = 0;
      this.schedule(() => (this.turnEnd = undefined));
    }
    return now < this.turnEnd && this.turnStarts++ < this.startsPerSlice;
  }

  /**
   * Runs `callback` at the end of the slice under way (or of the next one, on a later turn of
   * the event loop): the bookkeeping of a start (its counters, its event) comes after the other
   * starts of its slice, never later than that, however long a storm lasts.
   */
  afterSlice(callback: () => void): void {
    this.after.push(callback);
    this.arm();
  }

  /** Starts waiting. */
  get size(): number {
    return this.jobs.size;
  }

  private arm(): void {
    if (this.scheduled || (this.jobs.size === 0 && this.after.length === 0)) return;
    this.scheduled = true;
    this.schedule(() => this.slice());
  }

  private slice(): void {
    this.scheduled = false;
    const end = this.time.now() + this.sliceMs;
    let run = 0;
    try {
      for (const job of this.jobs) {
        this.jobs.delete(job);
        job();
        if (++run >= this.startsPerSlice || this.time.now() >= end) break;
      }
    } finally {
      for (const callback of this.after.splice(0)) callback();
      this.arm();
    }
  }
}

/** The process's queue, shared by every supervisor that is not given its own. */
export const processSpawnQueue = new SpawnQueue();
