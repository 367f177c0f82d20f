/** Where time comes from; injected so tests can drive timers and stamps. */
export interface Clock {
  /** Unix time in milliseconds, sub-millisecond precision where the system has it. */
  now(): number;
}

/**
 * The wall clock with microseconds: the high-resolution clock where it agrees with Date.now()
 * to within 2 ms, Date.now() itself when the wall clock was stepped.
 */
export const systemClock: Clock = {
  now() {
    const fine = performance.timeOrigin + performance.now();
    const wall = Date.now();
    return Math.abs(fine - wall) <= 2 ? fine : wall;
  },
};
