import type {Want} from '../status/codec.js';
import type {ControlCommand} from '../control/commands.js';
import {afterExit, DAEMONTOOLS_POLICY, initialPolicyState, isPristine, recordStart, resetPolicy, type GivenUp, type PolicyState, type RestartPolicy} from '../policy/policy.js';

/**
 * The supervise state machine, pure: `transition(state, event, now) → {state, effects}`, as
 * s6-supervise's `actions[state][event]`. It never spawns, signals or reads a clock; the engine
 * (engine.ts) passes the time in and applies the effects in order.
 *
 * Phases:
 * - `idle`: no child and no start pending (wanted down, or `o`'s one run is over).
 * - `running`: a child exists (spawned or adopted), or a spawn is under way.
 * - `waiting`: no child, a start is due but the restart delay holds it until `startAt`.
 * - `failed`: no child, wanted up, and the restart policy gave up; `startAt` is the retry, if any.
 * - `exited`: `x` was received and there is no child; the engine closes. Absorbing.
 *
 * Where we differ from daemontools 0.76 on purpose: the 1 s throttle delays only the next START
 * (daemontools sleeps after every start and queues control bytes meanwhile), so `svc -d` during
 * that second takes effect at once; and `d` arms the optional `timeout-kill` timer.
 *
 * The restart delay is the policy's (policy/policy.ts): daemontools' fixed second when the
 * service directory has no policy file, else keepup's backoff, give-up and retry. Under a
 * keepup policy `u` and `o` start at once, whatever the delay or give-up, and reset the policy.
 */
export type Phase = 'idle' | 'running' | 'waiting' | 'failed' | 'exited';

export interface SupervisorState {
  readonly phase: Phase;
  readonly want: Want;
  /** `p` received and no later `c`, `d` or start. */
  readonly paused: boolean;
  /** `x` received: exit as soon as there is no child, never start again. */
  readonly exiting: boolean;
  /** Clock time (unix ms) of the last start, for the throttle. */
  readonly lastStart: number | undefined;
  /** When phase is `waiting`: the time the start timer fires. */
  readonly startAt: number | undefined;
  /** The timeout-kill timer is armed (after `d`, until the child exits). */
  readonly killTimerArmed: boolean;
  /** The service directory's restart policy (DAEMONTOOLS_POLICY without a policy file). */
  readonly policy: RestartPolicy;
  /** What the policy remembers: delay, starts, give-up. */
  readonly restart: PolicyState;
}

export type SupervisorEvent =
  /** Initial start-up, once, after the FIFOs and the first status write. */
  | {type: 'boot'}
  | {type: 'control'; command: ControlCommand}
  /** The child exited (reaped, or an adopted pid vanished). */
  | {type: 'child-exit'}
  /** `./run` could not be started at all (Node reports exec failures to the parent). */
  | {type: 'spawn-failed'}
  /** The throttle's start timer fired. */
  | {type: 'start-timer'}
  /** The timeout-kill timer fired. */
  | {type: 'kill-timer'}
  /** The reset timer fired: the child has been up for the policy's `resetAfter`. */
  | {type: 'reset-timer'}
  /** The policy file was read again (at boot and before each death is handled). */
  | {type: 'policy'; policy: RestartPolicy};

/** What the machine tells the event log (the engine adds the service, the time, the pid). */
export type PolicyEvent = {kind: 'restarting'; delayMs: number} | {kind: 'gave-up'; givenUp: GivenUp} | {kind: 'recovered'} | {kind: 'stopped'};

export type SignalTarget = 'pid' | 'group';

export type Effect =
  | {type: 'spawn'}
  /** Write supervise/status (pid and its stamp are the engine's). */
  | {type: 'announce'}
  | {type: 'signal'; signal: NodeJS.Signals; target: SignalTarget}
  | {type: 'arm-start-timer'; at: number}
  | {type: 'cancel-start-timer'}
  /** Arm the timeout-kill timer (the engine reads the per-service `timeout-kill` file; none, no timer). */
  | {type: 'arm-kill-timer'}
  | {type: 'cancel-kill-timer'}
  | {type: 'arm-reset-timer'; at: number}
  | {type: 'cancel-reset-timer'}
  | {type: 'emit'; event: PolicyEvent}
  /** The give-up state changed: the engine records it (supervise/stats) for `keepup status`. */
  | {type: 'record-policy'}
  | {type: 'exit'};

export interface Transition {
  readonly state: SupervisorState;
  readonly effects: readonly Effect[];
}

/** Minimum time between two starts of `./run` (daemontools' deepsleep(1)). */
export const RESTART_DELAY_MS = 1000;

/**
 * How long a service that ignores TERM may take to stop at a shutdown or removal before its
 * process group gets KILL, when nothing else is configured: longer than runit's 7 s, since a
 * daemon may flush state on TERM; far shorter than systemd's 90 s, since a shutdown waits for
 * the slowest service.
 */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

export function initialState(want: Want, policy: RestartPolicy = DAEMONTOOLS_POLICY): SupervisorState {
  return {phase: 'idle', want, paused: false, exiting: false, lastStart: undefined, startAt: undefined, killTimerArmed: false, policy, restart: initialPolicyState(policy)};
}

const SIGNAL_OF: Partial<Record<ControlCommand, NodeJS.Signals>> = {
  h: 'SIGHUP',
  a: 'SIGALRM',
  i: 'SIGINT',
  t: 'SIGTERM',
  k: 'SIGKILL',
};

/** The one transition function. `now` is unix ms from the engine's Clock. */
export function transition(state: SupervisorState, event: SupervisorEvent, now: number): Transition {
  if (state.phase === 'exited') return {state, effects: []};
  switch (event.type) {
    case 'boot':
      return state.want === 'up' && state.phase === 'idle' ? start(state, [], now, state.policy.delayMs) : {state, effects: []};
    case 'control':
      return control(state, event.command, now);
    case 'child-exit':
    case 'spawn-failed':
      return childGone(state, event.type === 'child-exit', now);
    case 'start-timer':
      if (state.phase !== 'waiting' && state.phase !== 'failed') return {state, effects: []};
      // A timer that fires early (a clock stepped back) is armed again for the same time.
      if (state.startAt !== undefined && now < state.startAt) return {state, effects: [{type: 'arm-start-timer', at: state.startAt}]};
      return start({...state, phase: 'idle', startAt: undefined}, [], now, 0);
    case 'kill-timer':
      return state.phase === 'running' && state.killTimerArmed
        ? {state: {...state, killTimerArmed: false}, effects: [{type: 'signal', signal: 'SIGKILL', target: 'group'}]}
        : {state: {...state, killTimerArmed: false}, effects: []};
    case 'reset-timer':
      if (state.phase !== 'running' || isPristine(state.restart)) return {state, effects: []};
      return {state: {...state, restart: resetPolicy(state.policy)}, effects: [{type: 'emit', event: {kind: 'recovered'}}, {type: 'record-policy'}]};
    case 'policy':
      return {state: withPolicy(state, event.policy), effects: []};
  }
}

/** The state under a (re-read) policy: what it remembers is kept unless the kind of policy changed. */
function withPolicy(state: SupervisorState, policy: RestartPolicy): SupervisorState {
  if (policy.kind !== state.policy.kind) return {...state, policy, restart: {...initialPolicyState(policy), givenUp: state.restart.givenUp}};
  return {...state, policy, restart: {...state.restart, delayMs: Math.min(Math.max(state.restart.delayMs, policy.delayMs), policy.maxDelayMs)}};
}

/** Start now, or arm the start timer when the last start was less than `gapMs` ago. */
function start(state: SupervisorState, effects: Effect[], now: number, gapMs: number): Transition {
  const due = state.lastStart === undefined ? now : state.lastStart + gapMs;
  if (due > now) {
    return {state: {...state, phase: 'waiting', startAt: due}, effects: [...effects, {type: 'arm-start-timer', at: due}]};
  }
  const wasFailed = state.restart.givenUp !== undefined;
  const restart = recordStart(state.policy, state.restart, now);
  const more: Effect[] = [{type: 'spawn'}, {type: 'announce'}];
  if (wasFailed) more.push({type: 'record-policy'});
  if (state.policy.kind === 'keepup' && state.policy.resetAfterMs > 0 && !isPristine(restart)) more.push({type: 'arm-reset-timer', at: now + state.policy.resetAfterMs});
  return {
    state: {...state, phase: 'running', paused: false, lastStart: now, startAt: undefined, restart},
    effects: [...effects, ...more],
  };
}

function childGone(state: SupervisorState, reaped: boolean, now: number): Transition {
  if (state.phase !== 'running') return {state, effects: []};
  const effects: Effect[] = [];
  if (state.killTimerArmed) effects.push({type: 'cancel-kill-timer'});
  if (state.policy.kind === 'keepup') effects.push({type: 'cancel-reset-timer'});
  if (reaped) effects.push({type: 'announce'});
  const gone: SupervisorState = {...state, phase: 'idle', paused: false, killTimerArmed: false};
  if (gone.exiting) return {state: {...gone, phase: 'exited'}, effects: [...effects, {type: 'exit'}]};
  if (gone.want !== 'up') return {state: gone, effects};
  const {state: restart, next} = afterExit(gone.policy, gone.restart, gone.lastStart, now);
  if (next.kind === 'give-up') {
    const at = next.givenUp.retryAt;
    effects.push({type: 'emit', event: {kind: 'gave-up', givenUp: next.givenUp}}, {type: 'record-policy'});
    if (at !== undefined) effects.push({type: 'arm-start-timer', at: Math.max(at, now + 1)});
    return {state: {...gone, phase: 'failed', restart, startAt: at === undefined ? undefined : Math.max(at, now + 1)}, effects};
  }
  if (next.recovered) effects.push({type: 'emit', event: {kind: 'recovered'}}, {type: 'record-policy'});
  const due = gone.lastStart === undefined ? now : gone.lastStart + next.delayMs;
  effects.push({type: 'emit', event: {kind: 'restarting', delayMs: Math.max(0, due - now)}});
  return start({...gone, restart}, effects, now, next.delayMs);
}

/** `u` or `o` under a keepup policy: start at once (no delay, no give-up) and begin the policy anew. */
function startNow(state: SupervisorState, want: Want, now: number): Transition {
  const effects: Effect[] = [{type: 'announce'}];
  const wasFailed = state.phase === 'failed' || state.restart.givenUp !== undefined;
  const next: SupervisorState = {...state, want, restart: resetPolicy(state.policy)};
  if (wasFailed) effects.push({type: 'record-policy'});
  if (next.exiting || next.phase === 'running') return {state: next, effects};
  if (next.phase === 'waiting' || next.phase === 'failed') effects.push({type: 'cancel-start-timer'});
  return start({...next, phase: 'idle', startAt: undefined, lastStart: undefined}, effects, now, 0);
}

function control(state: SupervisorState, command: ControlCommand, now: number): Transition {
  const running = state.phase === 'running';
  const keepup = state.policy.kind === 'keepup';
  switch (command) {
    case 'u': {
      if (keepup) return startNow(state, 'up', now);
      const next = {...state, want: 'up' as const};
      return next.phase === 'idle' && !next.exiting ? start(next, [{type: 'announce'}], now, next.policy.delayMs) : {state: next, effects: [{type: 'announce'}]};
    }
    case 'o': {
      if (keepup) return startNow(state, 'none', now);
      const next = {...state, want: 'none' as const};
      return next.phase === 'idle' && !next.exiting ? start(next, [{type: 'announce'}], now, next.policy.delayMs) : {state: next, effects: [{type: 'announce'}]};
    }
    case 'd': {
      const stopped: Effect[] = state.want !== 'down' || running ? [{type: 'emit', event: {kind: 'stopped'}}] : [];
      if (running) {
        const effects: Effect[] = [
          {type: 'signal', signal: 'SIGTERM', target: 'pid'},
          {type: 'signal', signal: 'SIGCONT', target: 'pid'},
        ];
        if (!state.killTimerArmed) effects.push({type: 'arm-kill-timer'});
        effects.push({type: 'announce'}, ...stopped);
        return {state: {...state, want: 'down', paused: false, killTimerArmed: true}, effects};
      }
      if (state.phase === 'waiting' || state.phase === 'failed') {
        const effects: Effect[] = [{type: 'cancel-start-timer'}, {type: 'announce'}, ...stopped];
        if (state.phase === 'failed') effects.push({type: 'record-policy'});
        return {
          state: {...state, want: 'down', phase: 'idle', startAt: undefined, restart: {...state.restart, givenUp: undefined}},
          effects,
        };
      }
      return {state: {...state, want: 'down'}, effects: [{type: 'announce'}, ...stopped]};
    }
    case 'p': {
      const effects: Effect[] = [{type: 'announce'}];
      if (running) effects.push({type: 'signal', signal: 'SIGSTOP', target: 'pid'});
      return {state: {...state, paused: true}, effects};
    }
    case 'c': {
      const effects: Effect[] = [{type: 'announce'}];
      if (running) effects.push({type: 'signal', signal: 'SIGCONT', target: 'pid'});
      return {state: {...state, paused: false}, effects};
    }
    case 'x': {
      const next = {...state, exiting: true};
      if (running) return {state: next, effects: [{type: 'announce'}]};
      const effects: Effect[] = state.phase === 'waiting' || state.phase === 'failed' ? [{type: 'cancel-start-timer'}] : [];
      return {
        state: {...next, phase: 'exited', startAt: undefined},
        effects: [...effects, {type: 'announce'}, {type: 'exit'}],
      };
    }
    default: {
      const signal = SIGNAL_OF[command];
      return running && signal ? {state, effects: [{type: 'signal', signal, target: 'pid'}]} : {state, effects: []};
    }
  }
}
