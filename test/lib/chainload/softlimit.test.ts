import test from 'ava';
import {FatalError} from '../../../src/lib/cli/errors.js';
import {SOFTLIMIT_SPEC, limitChanges, limitTriples} from '../../../src/lib/chainload/softlimit.js';
import type {ProcessCalls} from '../../../src/lib/sys/native.js';
import {loadProcessCalls} from '../../../src/lib/sys/native.js';

test('the getopt spec has every option with a value', (t) => {
  t.is(SOFTLIMIT_SPEC, 'a:c:d:f:l:m:o:p:r:s:t:');
});

test('limitChanges: -m sets four resources in order; = means hard; bad numbers are undefined', (t) => {
  t.deepEqual(
    limitChanges([
      {option: 'm', value: '5'},
      {option: 'o', value: '='},
    ]),
    [
      {resource: 'RLIMIT_DATA', value: 5n},
      {resource: 'RLIMIT_STACK', value: 5n},
      {resource: 'RLIMIT_MEMLOCK', value: 5n},
      {resource: 'RLIMIT_AS', value: 5n},
      {resource: 'RLIMIT_NOFILE', value: 'hard'},
    ],
  );
  t.deepEqual(limitChanges([{option: 'o', value: ''}]), [{resource: 'RLIMIT_NOFILE', value: 0n}]);
  for (const value of ['12x', '-1', ' 1', '=1', '1e3']) t.is(limitChanges([{option: 'o', value}]), undefined, value);
});

test('limitTriples: values above the hard limit become it, the hard limit is kept', (t) => {
  const calls = loadProcessCalls();
  const current = calls.getrlimit(calls.RLIMIT_NOFILE);
  if (typeof current === 'number') return t.fail('getrlimit failed');
  const [, hard] = current;
  t.deepEqual(
    limitTriples(calls, [
      {resource: 'RLIMIT_NOFILE', value: hard + 1000n},
      {resource: 'RLIMIT_NOFILE', value: 7n},
      {resource: 'RLIMIT_NOFILE', value: 'hard'},
    ]),
    [BigInt(calls.RLIMIT_NOFILE), hard, hard, BigInt(calls.RLIMIT_NOFILE), 7n, hard, BigInt(calls.RLIMIT_NOFILE), hard, hard],
  );
});

test("limitTriples: a getrlimit failure is softlimit's fatal message", (t) => {
  const calls = {...loadProcessCalls(), getrlimit: () => 22} as ProcessCalls;
  const error = t.throws(() => limitTriples(calls, [{resource: 'RLIMIT_CPU', value: 1n}]), {instanceOf: FatalError});
  t.is(error?.message, 'getrlimit failed: invalid argument');
});
