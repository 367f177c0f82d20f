import test from 'ava';
import {getopt, GetoptError} from '../../../src/lib/cli/getopt.js';

test('flags in order, grouped, duplicates kept', (t) => {
  const parsed = getopt('svc', ['-uuhd', '-x', 'a', 'b'], 'udopchaitkx');
  t.deepEqual(parsed.options.map((o) => o.option).join(''), 'uuhdx');
  t.deepEqual(parsed.operands, ['a', 'b']);
});

test('option arguments attached and separate', (t) => {
  const parsed = getopt('/usr/bin/softlimit', ['-o12', '-m', '=', 'prog', '-o', '3'], 'o:m:');
  t.deepEqual(parsed.options, [
    {option: 'o', value: '12'},
    {option: 'm', value: '='},
  ]);
  t.deepEqual(parsed.operands, ['prog', '-o', '3']);
});

test('-- ends options and a lone - is an operand', (t) => {
  t.deepEqual(getopt('x', ['-n', '--', '-x', 'y'], 'nx').operands, ['-x', 'y']);
  t.deepEqual(getopt('x', ['-', '-n'], 'n').operands, ['-', '-n']);
});

test('unknown option and missing argument use sgetopt wording with the basename', (t) => {
  const bad = t.throws(() => getopt('/usr/bin/svc', ['-z'], 'udo'), {instanceOf: GetoptError});
  t.is(bad?.line, 'svc: illegal option -- z\n');
  const missing = t.throws(() => getopt('softlimit', ['-o'], 'o:'), {instanceOf: GetoptError});
  t.is(missing?.line, 'softlimit: option requires an argument -- o\n');
});
