import test from 'ava';
import {UsageError} from '../../../src/lib/cli/errors.js';
import {parseLongOptions} from '../../../src/lib/cli/long-options.js';
import {dispatch, type Subcommand} from '../../../src/lib/cli/subcommands.js';

test('long options: --name VALUE, --name=VALUE, flags, and clear errors', (t) => {
  const spec = {config: 'value', 'dry-run': 'flag'} as const;
  t.deepEqual(
    [...parseLongOptions('p', ['--config', 'a.yaml', '--dry-run'], spec, 'p x')],
    [
      ['config', 'a.yaml'],
      ['dry-run', true],
    ],
  );
  t.deepEqual([...parseLongOptions('p', ['--config=b.yaml', '--'], spec, 'p x')], [['config', 'b.yaml']]);
  const cases: Array<[string[], string]> = [
    [['--nope'], 'p: illegal option -- nope\n'],
    [['--config'], 'p: option requires an argument -- config\n'],
    [['--dry-run=yes'], 'p: option takes no argument -- dry-run\n'],
    [['extra'], 'p: unexpected argument -- extra\n'],
    [['--', 'extra'], 'p: unexpected argument -- extra\n'],
  ];
  for (const [args, line] of cases) {
    const error = t.throws(() => parseLongOptions('p', args, spec, 'p x'), {instanceOf: UsageError});
    t.deepEqual([error?.preface, error?.message], [[line], 'p x']);
  }
});

test('dispatch: one table entry per subcommand, --help to stdout, usage errors otherwise', async (t) => {
  const calls: string[][] = [];
  const table: Record<string, Subcommand<string>> = {
    alpha: {synopsis: '[--x]', summary: 'first', options: [['--x', 'the x option']], run: (args, context) => (calls.push([context, ...args]), 7)},
    beta: {synopsis: '', summary: 'second', options: [], run: () => 0},
  };
  let out = '';
  t.is(await dispatch('p', table, ['alpha', '--x'], 'ctx', (text) => (out += text)), 7);
  t.deepEqual(calls, [['ctx', '--x']]);
  t.is(await dispatch('p', table, ['--help'], 'ctx', (text) => (out += text)), 0);
  t.is(out, 'usage:\n  p alpha [--x]\n      first\n  p beta \n      second\n\n  p --version\n      print the version and exit 0\n  p NAME --help\n      the options of NAME\n');
  out = '';
  t.is(await dispatch('p', table, ['alpha', '--help'], 'ctx', (text) => (out += text)), 0);
  t.is(out, 'usage: p alpha [--x]\n  first\n\noptions:\n  --x     the x option\n  --help  print this and exit 0\n');
  t.deepEqual(calls, [['ctx', '--x']], 'NAME --help does not run NAME');
  const none = await t.throwsAsync(
    dispatch('p', table, [], 'ctx', () => {}),
    {instanceOf: UsageError},
  );
  t.is(none?.message, 'p alpha|beta [--config FILE] …   (p --help for more)');
  const unknown = await t.throwsAsync(
    dispatch('p', table, ['gamma'], 'ctx', () => {}),
    {instanceOf: UsageError},
  );
  t.deepEqual(unknown?.preface, ['p: unknown command -- gamma\n']);
});
