import test from 'ava';
import {SpawnQueue} from '../../../src/lib/supervisor/spawn-queue.js';
import {FakeTime} from '../../helpers/fake-time.js';

/** A queue whose slices run only when the test says, on a clock each job advances by `cost`. */
function queue(sliceMs: number, cost: number, startsPerSlice?: number) {
  const time = new FakeTime(0);
  const slices: Array<() => void> = [];
  const ran: number[] = [];
  const q = new SpawnQueue({sliceMs, time, schedule: (callback) => slices.push(callback), ...(startsPerSlice === undefined ? {} : {startsPerSlice})});
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

test('runOrAdd: a lone start runs at once, until this turn has spent a slice; then, or behind waiting jobs, it queues', (t) => {
  const {q, job, ran, slices} = queue(10, 4);
  t.is(q.runOrAdd(job(0)), undefined, 'ran at once: nothing to cancel');
  t.deepEqual(ran, [0]);
  t.is(q.runOrAdd(job(1)), undefined);
  t.is(q.runOrAdd(job(2)), undefined);
  t.deepEqual(ran, [0, 1, 2], '4 + 4 + 4 ms: the third one still began inside the turn');
  const cancel = q.runOrAdd(job(3));
  t.is(typeof cancel, 'function', 'the turn has spent its 10 ms: queued');
  t.deepEqual(ran, [0, 1, 2]);
  t.is(typeof q.runOrAdd(job(4)), 'function', 'behind a waiting job: queued too');
  t.is(q.size, 2);
  cancel!();
  // The first callback ends the turn's budget, the second is the slice of the queued jobs.
  for (const slice of slices.splice(0)) slice();
  t.deepEqual(ran, [0, 1, 2, 4]);
  t.is(q.runOrAdd(job(5)), undefined, 'a new turn: at once again');
  t.deepEqual(ran, [0, 1, 2, 4, 5]);
});

test('afterSlice: the callback runs at the end of the slice under way, even while starts still wait', (t) => {
  const {q, job, ran, slices} = queue(10, 4);
  for (let id = 0; id < 4; id++) q.add(job(id));
  q.afterSlice(() => ran.push(-1));
  t.deepEqual(ran, [], 'not inside the call');
  slices.shift()!();
  t.deepEqual(ran, [0, 1, 2, -1], 'after the slice, with a start still waiting');
  slices.shift()!();
  t.deepEqual(ran, [0, 1, 2, -1, 3]);
  q.afterSlice(() => ran.push(-2));
  slices.shift()!();
  t.deepEqual(ran, [0, 1, 2, -1, 3, -2], 'an empty queue runs it on the next turn');
});

test('a slice runs at most startsPerSlice starts, however cheap: each may be a child exiting at once, a zombie until the loop turns', (t) => {
  const {q, job, ran, slices} = queue(10, 0, 3);
  for (let id = 0; id < 7; id++) q.add(job(id));
  slices.shift()!();
  t.deepEqual(ran, [0, 1, 2]);
  slices.shift()!();
  t.deepEqual(ran, [0, 1, 2, 3, 4, 5]);
  slices.shift()!();
  t.deepEqual(ran, [0, 1, 2, 3, 4, 5, 6]);
});

test('starts run at once are counted too: past startsPerSlice in one turn they queue', (t) => {
  const {q, job, ran, slices} = queue(10, 0, 2);
  t.is(q.runOrAdd(job(0)), undefined);
  t.is(q.runOrAdd(job(1)), undefined);
  t.not(q.runOrAdd(job(2)), undefined, 'queued');
  t.deepEqual(ran, [0, 1]);
  slices.shift()!(); // the end of the turn
  slices.shift()!();
  t.deepEqual(ran, [0, 1, 2]);
});
