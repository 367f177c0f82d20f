import type {Want} from '../status/codec.js';
import type {ControlCommand} from '../control/commands.js';

/**
 * The supervise state machine, pure: `transition(state, event, now) → {state, effects}`, as
 * s6-supervise's `actions[state][event]`. It never spawns, signals or reads a clock; the engine
 * (engine.ts) passes the time in and applies the effects in order.
 *
 * Phases:
 * - `idle`: no child and no start pending (wanted down, or `o`'s one run is over).
 * - `running`: a child exists (spawned or adopted), or a spawn is under way.
 * - `waiting`: no child, a start is due but the restart throttle holds it until `startAt`.
 * - `exited`: `x` was received and there is no child; the engine closes. Absorbing.
 *
 * Where we differ from daemontools 0.76 on purpose: the 1 s throttle delays only the next START
 * (daemontools sleeps after every start and queues control bytes meanwhile), so `svc -d` during
 * that second takes effect at once; and `d` arms the optional `timeout-kill` timer.
 */
export type Phase = 'idle' | 'running' | 'waiting' | 'exited';

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
  | {type: 'kill-timer'};

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

export function initialState(want: Want): SupervisorState {
  return {phase: 'idle', want, paused: false, exiting: false, lastStart: undefined, startAt: undefined, killTimerArmed: false};
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
      return state.want === 'up' && state.phase === 'idle' ? start(state, [], now) : {state, effects: []};
    case 'control':
      return control(state, event.command, now);
    case 'child-exit':
    case 'spawn-failed':
      return childGone(state, event.type === 'child-exit', now);
    case 'start-timer':
      return state.phase === 'waiting' ? start({...state, phase: 'idle', startAt: undefined}, [], now) : {state, effects: []};
    case 'kill-timer':
      return state.phase === 'running' && state.killTimerArmed
        ? {state: {...state, killTimerArmed: false}, effects: [{type: 'signal', signal: 'SIGKILL', target: 'group'}]}
        : {state: {...state, killTimerArmed: false}, effects: []};
  }
}

/** Start now, or arm the start timer when the last start was less than RESTART_DELAY_MS ago. */
function start(state: SupervisorState, effects: Effect[], now: number): Transition {
  const due = state.lastStart === undefined ? now : state.lastStart + RESTART_DELAY_MS;
  if (due > now) {
    return {state: {...state, phase: 'waiting', startAt: due}, effects: [...effects, {type: 'arm-start-timer', at: due}]};
  }
  return {
    state: {...state, phase: 'running', paused: false, lastStart: now, startAt: undefined},
    effects: [...effects, {type: 'spawn'}, {type: 'announce'}],
  };
}

function childGone(state: SupervisorState, reaped: boolean, now: number): Transition {
  if (state.phase !== 'running') return {state, effects: []};
  const effects: Effect[] = [];
  if (state.killTimerArmed) effects.push({type: 'cancel-kill-timer'});
  if (reaped) effects.push({type: 'announce'});
  const gone: SupervisorState = {...state, phase: 'idle', paused: false, killTimerArmed: false};
  if (gone.exiting) return {state: {...gone, phase: 'exited'}, effects: [...effects, {type: 'exit'}]};
  if (gone.want === 'up') return start(gone, effects, now);
  return {state: gone, effects};
}

function control(state: SupervisorState, command: ControlCommand, now: number): Transition {
  const running = state.phase === 'running';
  switch (command) {
    case 'u': {
      const next = {...state, want: 'up' as const};
      return next.phase === 'idle' && !next.exiting ? start(next, [{type: 'announce'}], now) : {state: next, effects: [{type: 'announce'}]};
    }
    case 'o': {
      const next = {...state, want: 'none' as const};
      return next.phase === 'idle' && !next.exiting ? start(next, [{type: 'announce'}], now) : {state: next, effects: [{type: 'announce'}]};
    }
    case 'd': {
      if (running) {
        const effects: Effect[] = [
          {type: 'signal', signal: 'SIGTERM', target: 'pid'},
          {type: 'signal', signal: 'SIGCONT', target: 'pid'},
        ];
        if (!state.killTimerArmed) effects.push({type: 'arm-kill-timer'});
        effects.push({type: 'announce'});
        return {state: {...state, want: 'down', paused: false, killTimerArmed: true}, effects};
      }
      if (state.phase === 'waiting') {
        return {
          state: {...state, want: 'down', phase: 'idle', startAt: undefined},
          effects: [{type: 'cancel-start-timer'}, {type: 'announce'}],
        };
      }
      return {state: {...state, want: 'down'}, effects: [{type: 'announce'}]};
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
      const effects: Effect[] = state.phase === 'waiting' ? [{type: 'cancel-start-timer'}] : [];
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
