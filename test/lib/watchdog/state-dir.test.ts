// The state directory's lock wait, driven by the fake time: the polls, their spacing and the
// deadline are the injected clock's, so the test says exactly when the wait gives up.
import test, {type ExecutionContext} from 'ava';
import {lockStateDir, type LockOutcome} from '../../../src/lib/watchdog/state-dir.js';
import {FakeTime} from '../../helpers/fake-time.js';
import {tmpDir} from '../../helpers/tmp.js';
import {waitFor} from '../../helpers/wait-for.js';

/** Takes the lock for the test (a flock of its own open file), released when the test ends. */
async function holder(t: ExecutionContext, dir: string) {
  const held = await lockStateDir(dir, {waitMs: 0});
  if (held.kind !== 'locked') throw new Error(`cannot take the lock for the test: ${held.kind}`);
  let released = false;
  const release = () => {
    if (!released) held.lock.release();
    released = true;
  };
  t.teardown(release);
  return release;
}

/** Starts a wait and lets the test watch its outcome without awaiting it. */
function waiting(dir: string, options: Parameters<typeof lockStateDir>[1]) {
  const state: {outcome?: LockOutcome} = {};
  const done = lockStateDir(dir, options).then((outcome) => (state.outcome = outcome));
  return {state, done};
}

test('a busy lock is polled every pollMs of the injected time and given up at waitMs, not a moment earlier', async (t) => {
  const dir = tmpDir(t);
  await holder(t, dir);
  const time = new FakeTime(0);
  const wait = waiting(dir, {waitMs: 1000, pollMs: 300, time});
  for (const [index, sleep] of [300, 300, 300, 100].entries()) {
    await waitFor(() => time.slept.length === index + 1, `poll ${index + 1} to sleep`);
    t.deepEqual(time.delays(), [sleep]);
    t.is(wait.state.outcome, undefined);
    time.advance(sleep);
  }
  t.is((await wait.done).kind, 'busy');
  t.is(time.now(), 1000);
  t.deepEqual(time.slept, [300, 300, 300, 100]);
  t.deepEqual(time.delays(), []);
});

test('a lock released during the wait is taken at the next poll of the injected time', async (t) => {
  const dir = tmpDir(t);
  const release = await holder(t, dir);
  const time = new FakeTime(0);
  const wait = waiting(dir, {waitMs: 10_000, time});
  await waitFor(() => time.slept.length === 1, 'the first poll to sleep');
  t.deepEqual(time.delays(), [250]);
  release();
  time.advance(249);
  t.deepEqual(time.delays(), [1]);
  t.is(wait.state.outcome, undefined);
  time.advance(1);
  const outcome = await wait.done;
  t.is(outcome.kind, 'locked');
  if (outcome.kind === 'locked') outcome.lock.release();
  t.deepEqual(time.slept, [250]);
});
