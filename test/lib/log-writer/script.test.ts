import test from 'ava';
import {parseScript} from '../../../src/lib/log-writer/script.js';

test('actions are classified by their first character; unknown ones are ignored', (t) => {
  const script = parseScript(['t', '-*', '+* fatal: *', 'e', 'echo', '=st', './main', 'main', '--', 'x', '']);
  t.true(script.timestamp);
  t.deepEqual(
    script.actions.map((action) => action.kind),
    ['deselect', 'select', 'stderr', 'stderr', 'status', 'directory', 'deselect'],
  );
  t.deepEqual(script.statusFiles, ['st']);
  t.deepEqual(
    script.directories.map((d) => d.path),
    ['./main'],
  );
  const last = script.actions.at(-1)!;
  t.true(last.kind === 'deselect' && last.pattern.toString() === '-');
});

test('t counts only as the first argument (any word starting with t)', (t) => {
  t.true(parseScript(['txyz', './a']).timestamp);
  t.false(parseScript(['e', 't', './a']).timestamp);
  t.false(parseScript([]).timestamp);
});

test('s, n and ! are positional, clamped and sticky', (t) => {
  const script = parseScript(['./a', 's100', 'n1', '!gzip', '/b', 's20000000', 'n4', './c', 'sabc', 'n', '.d', 's8192x', 'n12junk', './e']);
  t.deepEqual(
    script.directories.map(({path, size, num, processor}) => [path, size, num, processor]),
    [
      ['./a', 99999, 10, undefined],
      ['/b', 4096, 2, 'gzip'],
      ['./c', 16777215, 4, 'gzip'],
      ['.d', 4096, 2, 'gzip'],
      ['./e', 8192, 12, 'gzip'],
    ],
  );
});

test('huge numbers clamp instead of wrapping', (t) => {
  const script = parseScript(['s99999999999999999999999', 'n99999999999999999999999', './a']);
  t.is(script.directories[0]!.size, 16777215);
  t.is(script.directories[0]!.num, Number.MAX_SAFE_INTEGER);
});
