// What the service benchmarks share: a blocking pause, the pid a service's status shows, and a
// synchronous wait for a condition (benchmarks poll tightly and must not yield to timers).
import {readStatus} from '../src/lib/control/client.js';

export function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The pid in DIR/supervise/status; 0 when none, not written yet, or unreadable. */
export function statusPid(dir: string): number {
  try {
    const record = readStatus(dir);
    return record === 'bad-format' ? 0 : record.pid;
  } catch {
    return 0;
  }
}

export function waitUntil(predicate: () => boolean, what: string, options: {timeoutMs?: number; pollMs?: number} = {}): void {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    pause(options.pollMs ?? 5);
  }
}
