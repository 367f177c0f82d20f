/**
 * Polls `predicate` until it returns a truthy value or the deadline passes, then throws with
 * `what` in the message. Never a bare sleep: every wait in the suite has a condition and a deadline.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, what: string, options: {timeoutMs?: number; intervalMs?: number} = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const interval = options.intervalMs ?? 10;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${what}${suffix}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Options for waits on real processes: generous, since other suites load the 2 cores too. */
export const PATIENT = {timeoutMs: 30_000};
