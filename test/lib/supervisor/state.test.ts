import test from 'ava';
import type {ControlCommand} from '../../../src/lib/control/commands.js';
import {initialState, RESTART_DELAY_MS, transition, type Effect, type Phase, type SupervisorEvent, type SupervisorState} from '../../../src/lib/supervisor/state.js';
import type {Want} from '../../../src/lib/status/codec.js';
import {recordStart, resolvePolicy} from '../../../src/lib/policy/policy.js';

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
              states.push({...initialState(want), phase, paused, exiting, lastStart, startAt, killTimerArmed});
            }
  return states;
}

/** The effects but the events they emit (those have tests of their own). */
function mechanics(effects: readonly Effect[]): Effect[] {
  return effects.filter((effect) => effect.type !== 'emit');
}

function types(effects: readonly Effect[]): string[] {
  return mechanics(effects).map((effect) => (effect.type === 'signal' ? `${effect.signal}:${effect.target}` : effect.type));
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
  t.deepEqual(mechanics(short.effects), [{type: 'announce'}, {type: 'arm-start-timer', at: NOW + 700}]);
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
  t.deepEqual(down.effects.at(-1), {type: 'emit', event: {kind: 'stopped'}});
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
  t.deepEqual(mechanics(failed.effects), [{type: 'arm-start-timer', at: NOW + RESTART_DELAY_MS}]);
  const once = transition(transition(initialState('down'), {type: 'control', command: 'o'}, NOW).state, {type: 'spawn-failed'}, NOW);
  t.is(once.state.phase, 'idle');
});

// Under a keepup policy (a `restart-policy` file): backoff, give-up, and control that is never blocked.
const KEEPUP = resolvePolicy({giveUp: {starts: 2, within: 300}, retryAfter: 600}, 'resident');

function keepupRunning(lastStart = NOW - 10): SupervisorState {
  const state = initialState('up', KEEPUP);
  return {...state, phase: 'running', lastStart, restart: recordStart(KEEPUP, state.restart, lastStart)};
}

function emitted(effects: readonly Effect[]): string[] {
  return effects.flatMap((effect) => (effect.type === 'emit' ? [effect.event.kind] : []));
}

/** Running → quick death → waiting (delay 1 s) → start → quick death → failed (2 starts within 300 s). */
function keepupStates(): {waiting: SupervisorState; failed: SupervisorState} {
  const death = transition(keepupRunning(), {type: 'child-exit'}, NOW);
  t0(death.state.phase === 'waiting');
  const started = transition(death.state, {type: 'start-timer'}, NOW + 990);
  const second = transition(started.state, {type: 'child-exit'}, NOW + 1000);
  t0(second.state.phase === 'failed');
  return {waiting: death.state, failed: second.state};
}

function t0(condition: boolean): void {
  if (!condition) throw new Error('unexpected state');
}

test('keepup policy: a quick death waits the delay and says restarting; the next doubles it; then it gives up with a retry timer', (t) => {
  const death = transition(keepupRunning(), {type: 'child-exit'}, NOW);
  t.deepEqual(emitted(death.effects), ['restarting']);
  t.like(
    death.effects.find((effect) => effect.type === 'emit'),
    {event: {kind: 'restarting', delayMs: 990}},
  );
  t.deepEqual(mechanics(death.effects).at(-1), {type: 'arm-start-timer', at: NOW + 990});
  const started = transition(death.state, {type: 'start-timer'}, NOW + 990);
  t.deepEqual(types(started.effects), ['spawn', 'announce', 'arm-reset-timer']);
  const gaveUp = transition(started.state, {type: 'child-exit'}, NOW + 1000);
  t.deepEqual(emitted(gaveUp.effects), ['gave-up']);
  t.is(gaveUp.state.phase, 'failed');
  t.is(gaveUp.state.want, 'up');
  t.deepEqual(types(gaveUp.effects), ['cancel-reset-timer', 'announce', 'record-policy', 'arm-start-timer']);
  t.is(gaveUp.state.startAt, NOW + 1000 + 600_000);
  const retry = transition(gaveUp.state, {type: 'start-timer'}, NOW + 601_000);
  t.deepEqual(types(retry.effects), ['spawn', 'announce', 'record-policy', 'arm-reset-timer']);
  t.true(retry.state.restart.retrying);
  t.is(transition(retry.state, {type: 'child-exit'}, NOW + 601_010).state.phase, 'failed', 'a quick death after the retry gives up again');
  const recovered = transition(retry.state, {type: 'reset-timer'}, NOW + 661_000);
  t.deepEqual(emitted(recovered.effects), ['recovered']);
  t.false(recovered.state.restart.retrying);
});

test('keepup policy: every control letter during a delay and while given up', (t) => {
  const {waiting, failed} = keepupStates();
  for (const [name, state] of [
    ['waiting', waiting],
    ['failed', failed],
  ] as const) {
    const at = NOW + 2000;
    const u = transition(state, {type: 'control', command: 'u'}, at);
    const expected = ['announce', ...(name === 'failed' ? ['record-policy'] : []), 'cancel-start-timer', 'spawn', 'announce'];
    t.deepEqual(types(u.effects).slice(0, expected.length), expected, `${name} u`);
    t.is(u.state.phase, 'running', `${name}: u starts at once`);
    t.is(u.state.restart.failures, 0, `${name}: u resets the policy`);
    const o = transition(state, {type: 'control', command: 'o'}, at);
    t.is(o.state.phase, 'running', `${name}: o starts at once`);
    t.is(o.state.want, 'none');
    const d = transition(state, {type: 'control', command: 'd'}, at);
    t.is(d.state.phase, 'idle', `${name}: d cancels the start`);
    t.true(types(d.effects).includes('cancel-start-timer'));
    t.deepEqual(emitted(d.effects), ['stopped']);
    t.is(d.state.restart.givenUp, undefined);
    t.deepEqual(transition(d.state, {type: 'start-timer'}, at + 700_000).effects, [], `${name}: nothing starts after d`);
    const x = transition(state, {type: 'control', command: 'x'}, at);
    t.is(x.state.phase, 'exited');
    t.deepEqual(types(x.effects), ['cancel-start-timer', 'announce', 'exit']);
    for (const command of ['p', 'c'] as const) {
      const next = transition(state, {type: 'control', command}, at);
      t.deepEqual(types(next.effects), ['announce'], `${name} ${command}`);
      t.is(next.state.phase, state.phase);
    }
    for (const command of ['h', 'a', 'i', 't', 'k'] as const) t.deepEqual(transition(state, {type: 'control', command}, at).effects, [], `${name} ${command}`);
  }
});

test('daemontools policy: u during the throttle does not start early (as daemontools, which sleeps)', (t) => {
  const waiting = transition(running('up', NOW - 300), {type: 'child-exit'}, NOW).state;
  const u = transition(waiting, {type: 'control', command: 'u'}, NOW + 10);
  t.deepEqual(types(u.effects), ['announce']);
  t.is(u.state.phase, 'waiting');
});
