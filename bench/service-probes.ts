// What the service benchmarks share: a blocking pause and a synchronous wait for a condition
// (benchmarks poll tightly and must not yield to timers). The pid in a service's status comes
// from the tests' own helper, test/helpers/service-pid.ts.

export function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}


export function waitUntil(predicate: () => boolean, what: string, options: {timeoutMs?: number; pollMs?: number} = {}): void {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    pause(options.pollMs ?? 5);
  }
}
