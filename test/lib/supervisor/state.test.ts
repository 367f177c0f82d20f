import test from 'ava';
import type {ControlCommand} from '../../../src/lib/control/commands.js';
import {initialState, RESTART_DELAY_MS, transition, type Effect, type Phase, type SupervisorEvent, type SupervisorState} from '../../../src/lib/supervisor/state.js';
import type {Want} from '../../../src/lib/status/codec.js';

const NOW = 1_700_000_000_000;
const COMMANDS: ControlCommand[] = ['u', 'd', 'o', 'p', 'c', 'h', 'a', 'i', 't', 'k', 'x'];
const EVENTS: SupervisorEvent[] = [
  {type: 'boot'},
  ...COMMANDS.map((command) => ({type: 'control' as const, command})),
  {type: 'child-exit'},
  {type: 'spawn-failed'},
  {type: 'start-timer'},
  {type: 'kill-timer'},
];

/** Every consistent state: the product of all fields, minus combinations the machine never builds. */
function allStates(): SupervisorState[] {
  const states: SupervisorState[] = [];
  const phases: Phase[] = ['idle', 'running', 'waiting', 'exited'];
  const wants: Want[] = ['up', 'down', 'none'];
  for (const phase of phases)
    for (const want of wants)
      for (const paused of [false, true])
        for (const exiting of [false, true])
          for (const killTimerArmed of [false, true])
            for (const lastStart of [undefined, NOW - 100, NOW - 5000]) {
              if (phase === 'waiting' && (want === 'down' || exiting || lastStart !== NOW - 100)) continue;
              if (exiting && phase !== 'running' && phase !== 'exited') continue;
              if (phase === 'exited' && !exiting) continue;
              if (killTimerArmed && phase !== 'running') continue;
              if (phase === 'running' && lastStart === undefined) continue;
              const startAt = phase === 'waiting' ? lastStart! + RESTART_DELAY_MS : undefined;
              states.push({phase, want, paused, exiting, lastStart, startAt, killTimerArmed});
            }
  return states;
}

function types(effects: readonly Effect[]): string[] {
  return effects.map((effect) => (effect.type === 'signal' ? `${effect.signal}:${effect.target}` : effect.type));
}

function label(state: SupervisorState, event: SupervisorEvent): string {
  return `${JSON.stringify(state)} + ${JSON.stringify(event)}`;
}

test('exhaustive: invariants hold for every state and event', (t) => {
  const states = allStates();
  t.true(states.length > 60, `only ${states.length} states`);
  const problems: string[] = [];
  for (const state of states) {
    for (const event of EVENTS) {
      const {state: next, effects} = transition(state, event, NOW);
      const names = types(effects);
      const at = label(state, event);
      if (state.phase === 'exited' && (effects.length > 0 || next !== state)) problems.push(`exited is not absorbing: ${at}`);
      if (names.some((name) => name.startsWith('SIG')) && state.phase !== 'running') problems.push(`signal without a child: ${at}`);
      if (names.includes('spawn')) {
        if (next.phase !== 'running' || next.lastStart !== NOW) problems.push(`spawn without running/lastStart: ${at}`);
        if (state.lastStart !== undefined && NOW - state.lastStart < RESTART_DELAY_MS) problems.push(`throttle broken: ${at}`);
        if (state.exiting) problems.push(`spawn after x: ${at}`);
        if (next.paused) problems.push(`a new child starts paused: ${at}`);
        if (names.lastIndexOf('announce') < names.indexOf('spawn')) problems.push(`no announce after spawn: ${at}`);
      }
      for (const effect of effects) {
        if (effect.type === 'arm-start-timer' && (next.phase !== 'waiting' || effect.at !== next.startAt || effect.at <= NOW)) {
          problems.push(`bad start timer: ${at}`);
        }
      }
      if (names.includes('exit') !== (next.phase === 'exited' && state.phase !== 'exited')) problems.push(`exit effect mismatch: ${at}`);
      if (next.phase === 'waiting' && state.phase !== 'waiting' && !names.includes('arm-start-timer')) problems.push(`waiting without timer: ${at}`);
      if (state.phase === 'waiting' && next.phase !== 'waiting' && next.phase !== 'running' && !names.includes('cancel-start-timer')) {
        problems.push(`left waiting without cancelling the timer: ${at}`);
      }
      if (event.type === 'control' && state.phase !== 'exited') {
        const announces = ['u', 'd', 'o', 'p', 'c', 'x'].includes(event.command);
        if (announces !== names.includes('announce')) problems.push(`announce mismatch: ${at}`);
        if ('haitk'.includes(event.command) && next !== state) problems.push(`signal command changed state: ${at}`);
      }
      if (next.phase === 'exited' && next.exiting !== true) problems.push(`exited without x: ${at}`);
      if (next.phase !== 'running' && next.killTimerArmed) problems.push(`kill timer armed without child: ${at}`);
    }
  }
  t.deepEqual(problems, []);
});

test('boot: up starts at once, down stays idle', (t) => {
  const up = transition(initialState('up'), {type: 'boot'}, NOW);
  t.deepEqual(types(up.effects), ['spawn', 'announce']);
  t.is(up.state.phase, 'running');
  const down = transition(initialState('down'), {type: 'boot'}, NOW);
  t.deepEqual(types(down.effects), []);
  t.is(down.state.phase, 'idle');
});

function running(want: Want, lastStart = NOW - 5000): SupervisorState {
  return {...initialState(want), phase: 'running', lastStart};
}

test('child exit: restart at once after a long run, after the throttle after a short one', (t) => {
  const long = transition(running('up'), {type: 'child-exit'}, NOW);
  t.deepEqual(types(long.effects), ['announce', 'spawn', 'announce']);
  const short = transition(running('up', NOW - 300), {type: 'child-exit'}, NOW);
  t.deepEqual(short.effects, [{type: 'announce'}, {type: 'arm-start-timer', at: NOW + 700}]);
  t.is(short.state.phase, 'waiting');
  const fired = transition(short.state, {type: 'start-timer'}, NOW + 700);
  t.deepEqual(types(fired.effects), ['spawn', 'announce']);
  t.is(fired.state.lastStart, NOW + 700);
});

test('d during the throttle takes effect at once and cancels the start', (t) => {
  const waiting = transition(running('up', NOW - 300), {type: 'child-exit'}, NOW).state;
  const down = transition(waiting, {type: 'control', command: 'd'}, NOW + 10);
  t.deepEqual(types(down.effects), ['cancel-start-timer', 'announce']);
  t.is(down.state.phase, 'idle');
  t.is(down.state.want, 'down');
  t.deepEqual(transition(down.state, {type: 'start-timer'}, NOW + 700).effects, []);
});

test('d: TERM then CONT to the pid, arms timeout-kill once, no restart', (t) => {
  const down = transition({...running('up'), paused: true}, {type: 'control', command: 'd'}, NOW);
  t.deepEqual(types(down.effects), ['SIGTERM:pid', 'SIGCONT:pid', 'arm-kill-timer', 'announce']);
  t.false(down.state.paused);
  const again = transition(down.state, {type: 'control', command: 'd'}, NOW);
  t.deepEqual(types(again.effects), ['SIGTERM:pid', 'SIGCONT:pid', 'announce']);
  const kill = transition(again.state, {type: 'kill-timer'}, NOW + 5000);
  t.deepEqual(types(kill.effects), ['SIGKILL:group']);
  const exit = transition(down.state, {type: 'child-exit'}, NOW);
  t.deepEqual(types(exit.effects), ['cancel-kill-timer', 'announce']);
  t.is(exit.state.phase, 'idle');
});

test('x waits for the child, never signals it, and exits when it is gone', (t) => {
  const x = transition(running('up'), {type: 'control', command: 'x'}, NOW);
  t.deepEqual(types(x.effects), ['announce']);
  t.is(x.state.phase, 'running');
  const exit = transition(x.state, {type: 'child-exit'}, NOW);
  t.deepEqual(types(exit.effects), ['announce', 'exit']);
  t.is(exit.state.phase, 'exited');
  const idle = transition(initialState('down'), {type: 'control', command: 'x'}, NOW);
  t.deepEqual(types(idle.effects), ['announce', 'exit']);
});

test('o runs once: started when idle, not restarted', (t) => {
  const once = transition(initialState('down'), {type: 'control', command: 'o'}, NOW);
  t.deepEqual(types(once.effects), ['announce', 'spawn', 'announce']);
  t.is(once.state.want, 'none');
  const exit = transition(once.state, {type: 'child-exit'}, NOW + 5000);
  t.deepEqual(types(exit.effects), ['announce']);
  t.is(exit.state.phase, 'idle');
});

test('p and c: paused flag always, STOP/CONT only with a child', (t) => {
  const paused = transition(running('up'), {type: 'control', command: 'p'}, NOW);
  t.deepEqual(types(paused.effects), ['announce', 'SIGSTOP:pid']);
  t.true(paused.state.paused);
  t.deepEqual(types(transition(paused.state, {type: 'control', command: 'c'}, NOW).effects), ['announce', 'SIGCONT:pid']);
  t.deepEqual(types(transition(initialState('down'), {type: 'control', command: 'p'}, NOW).effects), ['announce']);
});

test('h a i t k map to their signals, to the pid', (t) => {
  const expected: Record<string, string> = {h: 'SIGHUP', a: 'SIGALRM', i: 'SIGINT', t: 'SIGTERM', k: 'SIGKILL'};
  for (const [command, signal] of Object.entries(expected)) {
    t.deepEqual(types(transition(running('up'), {type: 'control', command: command as ControlCommand}, NOW).effects), [`${signal}:pid`]);
  }
});

test('spawn failure: retried after the throttle while wanted up, message each time from the engine', (t) => {
  const started = transition(initialState('up'), {type: 'boot'}, NOW).state;
  const failed = transition(started, {type: 'spawn-failed'}, NOW);
  t.deepEqual(failed.effects, [{type: 'arm-start-timer', at: NOW + RESTART_DELAY_MS}]);
  const once = transition(transition(initialState('down'), {type: 'control', command: 'o'}, NOW).state, {type: 'spawn-failed'}, NOW);
  t.is(once.state.phase, 'idle');
});
