import test from 'ava';
import {
  afterExit,
  DAEMONTOOLS_POLICY,
  formatPolicyFile,
  initialPolicyState,
  parsePolicyFile,
  recordStart,
  resolvePolicy,
  type PolicyState,
  type RestartPolicy,
} from '../../../src/lib/policy/policy.js';
import {FakeTime} from '../../helpers/fake-time.js';

const RESIDENT = resolvePolicy(undefined, 'resident');

/** A service that dies `uptime` ms after each start, run on the fake clock: the delays between starts, and when it gave up. */
function crashLoop(policy: RestartPolicy, uptime: number, deaths: number): {delays: number[]; gaveUpAfter: number | undefined; state: PolicyState} {
  const time = new FakeTime(1_000_000);
  let state = initialPolicyState(policy);
  const delays: number[] = [];
  for (let n = 1; n <= deaths; n++) {
    const started = time.now();
    state = recordStart(policy, state, started);
    time.advance(uptime);
    const {state: next, next: decision} = afterExit(policy, state, started, time.now());
    state = next;
    if (decision.kind === 'give-up') return {delays, gaveUpAfter: n, state};
    delays.push(decision.delayMs);
    time.advance(Math.max(0, started + decision.delayMs - time.now()));
  }
  return {delays, gaveUpAfter: undefined, state};
}

test('resident defaults: the delay doubles after each quick death up to maxDelay; give up at the 10th start within 300 s', (t) => {
  const {delays, gaveUpAfter, state} = crashLoop(RESIDENT, 10, 50);
  t.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  t.is(gaveUpAfter, 10);
  t.truthy(state.givenUp);
  t.is(state.givenUp!.retryAt! - state.givenUp!.at, 3600_000);
  t.regex(state.givenUp!.reason, /started 10 times within 300 s/);
});

test('daemontools policy: one second, for ever', (t) => {
  const {delays, gaveUpAfter} = crashLoop(DAEMONTOOLS_POLICY, 10, 100);
  t.is(gaveUpAfter, undefined);
  t.true(delays.every((delay) => delay === 1000));
});

test('an uptime of resetAfter resets the delay and the count, and says it recovered', (t) => {
  const policy = resolvePolicy({giveUp: {starts: 3, within: 3600}}, 'resident');
  let state = initialPolicyState(policy);
  state = recordStart(policy, state, 0);
  state = afterExit(policy, state, 0, 10).state;
  state = recordStart(policy, state, 1000);
  state = afterExit(policy, state, 1000, 1010).state;
  t.is(state.delayMs, 4000);
  state = recordStart(policy, state, 5000);
  const long = afterExit(policy, state, 5000, 5000 + 60_000);
  t.deepEqual(long.next, {kind: 'restart', delayMs: 1000, recovered: true});
  t.deepEqual(long.state.starts, []);
  t.is(long.state.failures, 0);
});

test('starts outside the window do not count', (t) => {
  const policy = resolvePolicy({giveUp: {starts: 3, within: 3}, maxDelay: 2}, 'resident');
  const {gaveUpAfter, delays} = crashLoop(policy, 10, 30);
  // Starts at 0, 1, 3, 5, …: three starts never fit in 3 s.
  t.is(gaveUpAfter, undefined);
  t.is(delays.at(-1), 2000);
});

test('the try after retryAfter is one more try: a quick death gives up again at once', (t) => {
  const policy = resolvePolicy({giveUp: {starts: 2, within: 300}, retryAfter: 60}, 'resident');
  const first = crashLoop(policy, 10, 10);
  t.is(first.gaveUpAfter, 2);
  const retryAt = first.state.givenUp!.retryAt!;
  let state = recordStart(policy, first.state, retryAt);
  t.true(state.retrying);
  t.is(state.givenUp, undefined);
  const again = afterExit(policy, state, retryAt, retryAt + 10);
  t.is(again.next.kind, 'give-up');
  t.regex(again.next.kind === 'give-up' ? again.next.givenUp.reason : '', /after the retry/);
  // A retry that runs for resetAfter recovers instead.
  state = recordStart(policy, first.state, retryAt);
  t.like(afterExit(policy, state, retryAt, retryAt + 60_000).next, {kind: 'restart', recovered: true});
});

test('retryAfter 0: no retry time, only by hand; giveUp false never gives up', (t) => {
  const byHand = crashLoop(resolvePolicy({giveUp: {starts: 1, within: 10}, retryAfter: 0}, 'resident'), 1, 3);
  t.is(byHand.gaveUpAfter, 1);
  t.is(byHand.state.givenUp!.retryAt, undefined);
  t.is(crashLoop(resolvePolicy({giveUp: false}, 'resident'), 1, 40).gaveUpAfter, undefined);
});

test('the policy file round-trips; bad lines are named', (t) => {
  const policy = resolvePolicy({delay: 0.5, maxDelay: 30, resetAfter: 20, giveUp: {starts: 4, within: 120}, retryAfter: 0}, 'resident');
  t.deepEqual(parsePolicyFile(formatPolicyFile(policy)), policy);
  const never = resolvePolicy({giveUp: false}, 'resident');
  t.deepEqual(parsePolicyFile(formatPolicyFile(never)), never);
  t.deepEqual(parsePolicyFile(''), RESIDENT);
  t.deepEqual(parsePolicyFile('delay 1\nbogus 3\n'), {problem: 'line 2: unknown key "bogus"'});
  t.deepEqual(parsePolicyFile('delay -1\n'), {problem: 'line 1: delay must be a number of seconds'});
  t.deepEqual(parsePolicyFile('giveUp 3\n'), {problem: 'line 1: giveUp must be STARTS SECONDS or never'});
});

test('check mode has its own defaults', (t) => {
  const check = resolvePolicy(undefined, 'check');
  t.deepEqual(check.giveUp, {starts: 5, withinMs: 3600_000});
  t.is(check.retryAfterMs, 21600_000);
  t.deepEqual(resolvePolicy({giveUp: {starts: 2, within: 60}}, 'check').giveUp, {starts: 2, withinMs: 60_000});
});
