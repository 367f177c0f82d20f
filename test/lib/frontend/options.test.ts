import test from 'ava';
import {UsageError} from '../../../src/lib/cli/errors.js';
import {parseFrontendArgs} from '../../../src/lib/frontend/options.js';

test('defaults: 10 s time limit, 2 s settle, no persist', (t) => {
  t.deepEqual(parseFrontendArgs('svcstart', ['web'], ['persist', 'timeout', 'settle']), {service: 'web', timeoutMs: 10_000, settleMs: 2000, persist: false});
});

test('short and long options, decimal seconds', (t) => {
  t.deepEqual(parseFrontendArgs('svcstart', ['-P', '-t', '2.5', '--settle=0', 'web'], ['persist', 'timeout', 'settle']), {service: 'web', timeoutMs: 2500, settleMs: 0, persist: true});
  t.is(parseFrontendArgs('svcstop', ['--persist', '--timeout', '3', 'web'], ['persist', 'timeout']).timeoutMs, 3000);
});

test('bad input is a usage error naming the problem', (t) => {
  const cases: Array<[string[], string]> = [
    [['--timeout=-1', 'web'], 'svcstart: bad timeout: -1\n'],
    [['-t', '-1', 'web'], 'svcstart: option requires an argument: -t\n'],
    [['-t', '1e3', 'web'], 'svcstart: bad timeout: 1e3\n'],
    [['-s', '', 'web'], 'svcstart: bad settle time: \n'],
    [['--nope', 'web'], 'svcstart: illegal option: --nope\n'],
  ];
  for (const [args, preface] of cases) {
    const error = t.throws(() => parseFrontendArgs('svcstart', args, ['persist', 'timeout', 'settle']), {instanceOf: UsageError});
    t.deepEqual(error?.preface, [preface], args.join(' '));
    t.is(error?.exitCode, 100);
  }
});
