import test from 'ava';
import {describeObserved, observe} from '../../../src/lib/frontend/readiness.js';
import {fromUnixMs} from '../../../src/lib/tai64n/codec.js';
import type {StatusRecord} from '../../../src/lib/status/codec.js';

const record = (pid: number, stampMs: number, paused = false): StatusRecord => ({stamp: fromUnixMs(stampMs), pid, paused, want: 'up'});
const live = () => true;

test('up only when the same pid has been up for the settle time and is alive', (t) => {
  const now = 1_700_000_010_000;
  t.deepEqual(observe(record(42, now - 2500), now, 2000, live), {state: 'up', pid: 42, upMs: 2500});
  t.deepEqual(observe(record(42, now - 1500), now, 2000, live), {state: 'starting', pid: 42, upMs: 1500});
  t.deepEqual(
    observe(record(42, now - 9000), now, 2000, () => false),
    {state: 'exiting', pid: 42},
  );
  t.deepEqual(observe(record(42, now - 9000, true), now, 2000, live), {state: 'paused', pid: 42});
  t.deepEqual(observe(record(0, now - 9000), now, 2000, live), {state: 'down'});
  t.is(observe(record(42, now + 5000), now, 0, live).state, 'up', 'a stamp in the future counts as just now');
});

test('descriptions read like svstat', (t) => {
  t.is(describeObserved({state: 'up', pid: 7, upMs: 3999}), 'up (pid 7) 3 seconds');
  t.is(describeObserved({state: 'down'}), 'down');
  t.is(describeObserved({state: 'exiting', pid: 7}), 'exiting (pid 7)');
});
