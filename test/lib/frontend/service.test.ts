// The waiting logic of the front-ends with an injected clock: a stand-in supervisor (the ok and
// control FIFOs held open by the test, a status file it writes) and time that only moves when
// the code under test sleeps.
import test from 'ava';
import {closeSync, constants, mkdirSync, openSync, readSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pack} from '../../../src/lib/status/codec.js';
import {fromUnixMs} from '../../../src/lib/tai64n/codec.js';
import {mkfifoSync} from '../../../src/lib/sys/mkfifo.js';
import {startService, stopService, type FrontendDeps} from '../../../src/lib/frontend/service.js';
import {FakeTime} from '../../helpers/fake-time.js';
import {tmpDir} from '../../helpers/tmp.js';

const START = 1_800_000_000_000;

function standIn(t: Parameters<typeof tmpDir>[0], pid: number, stampMs: number) {
  const dir = tmpDir(t);
  mkdirSync(join(dir, 'supervise'));
  mkfifoSync([join(dir, 'supervise/ok'), join(dir, 'supervise/control')]);
  const ok = openSync(join(dir, 'supervise/ok'), constants.O_RDONLY | constants.O_NONBLOCK);
  const control = openSync(join(dir, 'supervise/control'), constants.O_RDWR | constants.O_NONBLOCK);
  t.teardown(() => (closeSync(ok), closeSync(control)));
  writeFileSync(join(dir, 'supervise/status'), pack({stamp: fromUnixMs(stampMs), pid, paused: false, want: 'up'}));
  const received = () => {
    const buffer = Buffer.alloc(64);
    try {
      return buffer.subarray(0, readSync(control, buffer)).toString();
    } catch {
      return '';
    }
  };
  return {dir, received};
}

function fakeTime(): FrontendDeps & {slept: number[]} {
  const time = new FakeTime(START, {sleepsAdvance: true});
  return {slept: time.slept, time, isLive: () => true};
}

test('start: sends u, then waits (on the injected clock) until the pid has been up for the settle time', async (t) => {
  const {dir, received} = standIn(t, 4242, START);
  const deps = fakeTime();
  const outcome = await startService({service: dir, timeoutMs: 10_000, settleMs: 2000, persist: false}, deps);
  t.is(received(), 'u');
  t.deepEqual(outcome, {kind: 'up', observed: {state: 'up', pid: 4242, upMs: 2000}});
  t.is(
    deps.slept.reduce((a, b) => a + b, 0),
    2000,
  );
});

test('start: gives up at the time limit exactly, reporting what it saw last', async (t) => {
  const {dir} = standIn(t, 0, START);
  const deps = fakeTime();
  const outcome = await startService({service: dir, timeoutMs: 3000, settleMs: 2000, persist: false}, deps);
  t.deepEqual(outcome, {kind: 'not-up', observed: {state: 'down'}, limitMs: 3000});
  t.is(
    deps.slept.reduce((a, b) => a + b, 0),
    3000,
  );
});

test('start: a pid that is not alive (a zombie) never counts as up', async (t) => {
  const {dir} = standIn(t, 4242, START - 60_000);
  const deps = {...fakeTime(), isLive: () => false};
  const outcome = await startService({service: dir, timeoutMs: 1000, settleMs: 0, persist: false}, deps);
  t.deepEqual(outcome, {kind: 'not-up', observed: {state: 'exiting', pid: 4242}, limitMs: 1000});
});

test('stop: sends d and reports down at once when the status says no pid', async (t) => {
  const {dir, received} = standIn(t, 0, START);
  const deps = fakeTime();
  t.deepEqual(await stopService({service: dir, timeoutMs: 1000, settleMs: 0, persist: true}, deps), {kind: 'down'});
  t.is(received(), 'd');
  t.deepEqual(deps.slept, []);
});
