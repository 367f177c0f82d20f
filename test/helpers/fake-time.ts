import type {Clock} from '../../src/lib/time/time.js';
import type {TimerHandle, Timers} from '../../src/lib/supervisor/timers.js';

/** A clock and one-shot timers that move only when the test calls `advance`. */
export class FakeTime implements Clock, Timers {
  private current: number;
  private nextId = 1;
  private readonly pending = new Map<number, {at: number; callback: () => void}>();

  constructor(start = Date.now()) {
    this.current = start;
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

  /** Delays (from now) of the timers still pending. */
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
