import test from 'ava';
import {SpawnQueue} from '../../../src/lib/supervisor/spawn-queue.js';
import {FakeTime} from '../../helpers/fake-time.js';

/** A queue whose slices run only when the test says, on a clock each job advances by `cost`. */
function queue(sliceMs: number, cost: number) {
  const time = new FakeTime(0);
  const slices: Array<() => void> = [];
  const ran: number[] = [];
  const q = new SpawnQueue({sliceMs, time, schedule: (callback) => slices.push(callback)});
  const job = (id: number) => () => {
    ran.push(id);
    time.advance(cost);
  };
  return {q, job, ran, slices};
}

test('nothing runs inside add(): jobs wait for the next slice, in order', (t) => {
  const {q, job, ran, slices} = queue(10, 1);
  for (let id = 0; id < 3; id++) q.add(job(id));
  t.deepEqual(ran, []);
  t.is(slices.length, 1, 'one slice scheduled for all of them');
  slices.shift()!();
  t.deepEqual(ran, [0, 1, 2]);
  t.is(slices.length, 0);
});

test('a slice stops when its time is up and leaves the rest to the next turn of the loop', (t) => {
  const {q, job, ran, slices} = queue(10, 4);
  for (let id = 0; id < 7; id++) q.add(job(id));
  slices.shift()!();
  t.deepEqual(ran, [0, 1, 2], '4 + 4 + 4 ms reaches the 10 ms budget');
  t.is(q.size, 4);
  t.is(slices.length, 1);
  slices.shift()!();
  t.deepEqual(ran, [0, 1, 2, 3, 4, 5]);
  slices.shift()!();
  t.deepEqual(ran, [0, 1, 2, 3, 4, 5, 6]);
  t.is(slices.length, 0);
});

test('at least one job per slice, however slow; a cancelled job never runs', (t) => {
  const {q, job, ran, slices} = queue(1, 50);
  q.add(job(0));
  const cancel = q.add(job(1));
  q.add(job(2));
  cancel();
  slices.shift()!();
  t.deepEqual(ran, [0]);
  slices.shift()!();
  t.deepEqual(ran, [0, 2]);
  t.is(q.size, 0);
});
