/**
 * Where time comes from: the clock and every wait. Whatever stamps or waits takes a `Time`
 * (an option defaulting to `systemTime`), so tests drive stamps, throttles, deadlines and
 * intervals with a fake one instead of the wall clock.
 */
export type TimerHandle = NonNullable<unknown>;

export interface Time {
  /** Unix time in milliseconds, sub-millisecond precision where the system has it. */
  now(): number;
  /** Calls `callback` once, `ms` from now. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Resolves `ms` from now. */
  sleep(ms: number): Promise<void>;
}

/**
 * The wall clock with microseconds: the high-resolution clock where it agrees with Date.now()
 * to within 2 ms, Date.now() itself when the wall clock was stepped. The global timers.
 */
export const systemTime: Time = {
  now() {
    const fine = performance.timeOrigin + performance.now();
    const wall = Date.now();
    return Math.abs(fine - wall) <= 2 ? fine : wall;
  },
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};
