import type {TimerHandle, Time} from '../../src/lib/time/time.js';

/**
 * A clock, one-shot timers and sleeps that move only when the test calls `advance`, or, with
 * `sleepsAdvance`, when the code under test sleeps (for a lone poller: the sleep moves time on).
 */
export class FakeTime implements Time {
  /** Every sleep asked for, in ms, in order. */
  readonly slept: number[] = [];
  private current: number;
  private nextId = 1;
  private readonly pending = new Map<number, {at: number; callback: () => void}>();
  private readonly sleepsAdvance: boolean;

  constructor(start = Date.now(), options: {sleepsAdvance?: boolean} = {}) {
    this.current = start;
    this.sleepsAdvance = options.sleepsAdvance ?? false;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, {at: this.current + ms, callback});
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }

  /** A pending timer like any other, resolved when `advance` reaches it (at once with `sleepsAdvance`). */
  sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    const done = new Promise<void>((resolve) => this.setTimeout(resolve, ms));
    if (this.sleepsAdvance) this.advance(ms);
    return done;
  }

  /** Delays (from now) of the timers and sleeps still pending. */
  delays(): number[] {
    return [...this.pending.values()].map(({at}) => at - this.current);
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, timer]) => timer.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.current = Math.max(this.current, due[1].at);
      due[1].callback();
    }
    this.current = target;
  }
}
