/**
 * The restart policy, pure: how long to wait before the next start of a service that died, when
 * to stop trying (give up), and when to try once more. One schedule for both modes: the
 * supervisor (resident mode) applies it to every death of its child; a check pass (check mode)
 * applies it to the restart history in the state dir. Nothing here reads a clock: callers pass
 * `now` (unix ms) from their injected Time.
 *
 * The schedule, daemontools' throttle generalised:
 * - the next start comes no sooner than the current delay after the previous start (daemontools:
 *   one second after the previous start, whatever the uptime);
 * - a quick death (uptime below `resetAfterMs`) doubles the delay for the next one, up to
 *   `maxDelayMs`;
 * - an uptime of `resetAfterMs` resets the delay and forgets the starts counted so far;
 * - when a death comes after `giveUp.starts` starts within `giveUp.withinMs` (counted since the
 *   last reset), the policy gives up: no more starts until `retryAfterMs` later (never, when 0),
 *   or until someone asks (`svc -u`, `svc -o`, `keepup reset`);
 * - the try after `retryAfterMs` is one more try: a quick death after it gives up again at once.
 */
export interface RestartPolicy {
  /** `daemontools`: no policy file (fixed 1 s, never gives up, control as daemontools). */
  readonly kind: 'daemontools' | 'keepup';
  readonly delayMs: number;
  readonly maxDelayMs: number;
  /** An uptime this long resets the delay (0: never reset by uptime). */
  readonly resetAfterMs: number;
  /** undefined: never give up. */
  readonly giveUp: {readonly starts: number; readonly withinMs: number} | undefined;
  /** After giving up, one more try this much later; 0: only by hand. */
  readonly retryAfterMs: number;
}

/** The settings as the config and the policy file give them: seconds, any of them missing. */
export interface RestartSettings {
  readonly delay?: number;
  readonly maxDelay?: number;
  readonly resetAfter?: number;
  /** `false`: never give up. */
  readonly giveUp?: {readonly starts: number; readonly within: number} | false;
  readonly retryAfter?: number;
}

/** A directory without a policy file: exactly daemontools 0.76. */
export const DAEMONTOOLS_POLICY: RestartPolicy = {kind: 'daemontools', delayMs: 1000, maxDelayMs: 1000, resetAfterMs: 0, giveUp: undefined, retryAfterMs: 0};

/** Resident mode's defaults (`keepup supervise`, and a tree with a policy file): seconds. */
export const RESIDENT_DEFAULTS = {delay: 1, maxDelay: 60, resetAfter: 60, giveUp: {starts: 10, within: 300}, retryAfter: 3600} as const;

/**
 * Check mode's defaults (`keepup check` every ten minutes, `keepup cron`, checked daemons): a
 * daemon restarted at 5 passes within an hour and missing again is given up, tried again after
 * 6 hours; `delay` and `maxDelay` do not apply (the pass interval is the delay).
 */
export const CHECK_DEFAULTS = {delay: 1, maxDelay: 60, resetAfter: 3600, giveUp: {starts: 5, within: 3600}, retryAfter: 21600} as const;

export type PolicyMode = 'resident' | 'check';

/** The policy `settings` (over a mode's defaults) describe. */
export function resolvePolicy(settings: RestartSettings | undefined, mode: PolicyMode): RestartPolicy {
  const defaults = mode === 'resident' ? RESIDENT_DEFAULTS : CHECK_DEFAULTS;
  const giveUp = settings?.giveUp === undefined ? defaults.giveUp : settings.giveUp;
  const delay = settings?.delay ?? defaults.delay;
  return {
    kind: 'keepup',
    delayMs: Math.round(delay * 1000),
    maxDelayMs: Math.round(Math.max(delay, settings?.maxDelay ?? defaults.maxDelay) * 1000),
    resetAfterMs: Math.round((settings?.resetAfter ?? defaults.resetAfter) * 1000),
    giveUp: giveUp === false ? undefined : {starts: giveUp.starts, withinMs: Math.round(giveUp.within * 1000)},
    retryAfterMs: Math.round((settings?.retryAfter ?? defaults.retryAfter) * 1000),
  };
}

/** The settings over a base: each key given in `over` wins (a daemon's `restart:` over the top-level one). */
export function mergeSettings(base: RestartSettings | undefined, over: RestartSettings | undefined): RestartSettings | undefined {
  if (over === undefined) return base;
  if (base === undefined) return over;
  return {...base, ...over};
}

export interface GivenUp {
  /** When it gave up (unix ms). */
  readonly at: number;
  /** When the next try is due; undefined: only by hand. */
  readonly retryAt: number | undefined;
  readonly reason: string;
}

/** What the policy remembers about one service between its starts. */
export interface PolicyState {
  /** The delay the next quick death gets. */
  readonly delayMs: number;
  /** Start times since the last reset (the ones inside the give-up window matter). */
  readonly starts: readonly number[];
  /** Quick deaths since the last reset. */
  readonly failures: number;
  readonly givenUp: GivenUp | undefined;
  /** The current run is the try after giving up: a quick death gives up again. */
  readonly retrying: boolean;
}

export function initialPolicyState(policy: RestartPolicy): PolicyState {
  return {delayMs: policy.delayMs, starts: [], failures: 0, givenUp: undefined, retrying: false};
}

/** Nothing to recover from: no failure, no give-up, no retry. */
export function isPristine(state: PolicyState): boolean {
  return state.failures === 0 && state.givenUp === undefined && !state.retrying;
}

/** A start at `now`; a start while given up is the retry. */
export function recordStart(policy: RestartPolicy, state: PolicyState, now: number): PolicyState {
  const window = policy.giveUp?.withinMs ?? 0;
  const starts = policy.giveUp ? [...state.starts.filter((at) => at > now - window), now] : [];
  return {...state, starts, givenUp: undefined, retrying: state.retrying || state.givenUp !== undefined};
}

/** Back to the beginning: after a long enough run, `svc -u`, `svc -o` or `keepup reset`. */
export function resetPolicy(policy: RestartPolicy): PolicyState {
  return initialPolicyState(policy);
}

export type AfterExit =
  /** Start again `delayMs` after the previous start (never before now). */
  {readonly kind: 'restart'; readonly delayMs: number; readonly recovered: boolean} | {readonly kind: 'give-up'; readonly givenUp: GivenUp};

/**
 * The child that started at `startedAt` died at `now`: restart (after what delay) or give up.
 * `recovered` tells that the run was long enough to reset a policy that had failures.
 */
export function afterExit(policy: RestartPolicy, state: PolicyState, startedAt: number | undefined, now: number): {state: PolicyState; next: AfterExit} {
  const uptime = startedAt === undefined ? 0 : now - startedAt;
  if (policy.resetAfterMs > 0 && uptime >= policy.resetAfterMs) {
    return {state: resetPolicy(policy), next: {kind: 'restart', delayMs: policy.delayMs, recovered: !isPristine(state)}};
  }
  const giveUp = policy.giveUp;
  if (giveUp) {
    const counted = state.starts.filter((at) => at > now - giveUp.withinMs).length;
    if (state.retrying || counted >= giveUp.starts) {
      const reason = state.retrying
        ? `died again ${seconds(uptime)} after the retry`
        : `started ${counted} times within ${seconds(giveUp.withinMs)}, each dying within ${seconds(policy.resetAfterMs)}`;
      const givenUp: GivenUp = {at: now, retryAt: policy.retryAfterMs > 0 ? now + policy.retryAfterMs : undefined, reason};
      return {state: {...state, failures: state.failures + 1, givenUp, retrying: false}, next: {kind: 'give-up', givenUp}};
    }
  }
  const delayMs = state.delayMs;
  return {
    state: {...state, failures: state.failures + 1, delayMs: Math.min(policy.maxDelayMs, Math.max(policy.delayMs, delayMs * 2))},
    next: {kind: 'restart', delayMs, recovered: false},
  };
}

/** `1 s`, `1.5 s`, `300 s`: durations in messages. */
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * The policy file in a service directory (`restart-policy`): one `KEY VALUE` per line, seconds,
 * written by `keepup supervise` from the config; a plain svscan applies it the same way.
 * `giveUp` is `STARTS WITHIN` or `never`. Blank lines and `#` comments are ignored.
 */
export function formatPolicyFile(policy: RestartPolicy): string {
  const s = (ms: number) => String(ms / 1000);
  return [
    '# keepup restart policy (generated by keepup supervise; see keepup README, "Restart policy")',
    `delay ${s(policy.delayMs)}`,
    `maxDelay ${s(policy.maxDelayMs)}`,
    `resetAfter ${s(policy.resetAfterMs)}`,
    `giveUp ${policy.giveUp ? `${policy.giveUp.starts} ${s(policy.giveUp.withinMs)}` : 'never'}`,
    `retryAfter ${s(policy.retryAfterMs)}`,
    '',
  ].join('\n');
}

const MAX_SECONDS = 31 * 24 * 3600;

/** The policy a policy file describes (missing keys: resident defaults), or what is wrong with it. */
export function parsePolicyFile(text: string): RestartPolicy | {problem: string} {
  const settings: Record<string, unknown> = {};
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [key, ...values] = line.split(/\s+/);
    const where = `line ${index + 1}`;
    const number = (value: string | undefined, min: number, max: number): number | undefined => {
      if (value === undefined || !/^[0-9]+(\.[0-9]+)?$/.test(value)) return undefined;
      const n = Number(value);
      return n >= min && n <= max ? n : undefined;
    };
    if (key === 'giveUp') {
      if (values.length === 1 && values[0] === 'never') settings.giveUp = false;
      else {
        const starts = number(values[0], 1, 1_000_000);
        const within = number(values[1], 0.001, MAX_SECONDS);
        if (values.length !== 2 || starts === undefined || !Number.isInteger(starts) || within === undefined) return {problem: `${where}: giveUp must be STARTS SECONDS or never`};
        settings.giveUp = {starts, within};
      }
      continue;
    }
    if (key !== 'delay' && key !== 'maxDelay' && key !== 'resetAfter' && key !== 'retryAfter') return {problem: `${where}: unknown key ${JSON.stringify(key)}`};
    const value = number(values[0], key === 'delay' ? 0.001 : 0, MAX_SECONDS);
    if (values.length !== 1 || value === undefined) return {problem: `${where}: ${key} must be a number of seconds`};
    settings[key] = value;
  }
  return resolvePolicy(settings, 'resident');
}
