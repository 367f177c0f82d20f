import test from 'ava';
import {readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {countSince, format, KEEP_MS, parse, readHistory, recordRestarts} from '../../../src/lib/watchdog/history.js';
import {tmpDir} from '../../helpers/tmp.js';

test('format and parse round-trip; bad lines are counted, not fatal', (t) => {
  const restarts = [
    {daemon: 'a', time: 1000},
    {daemon: 'b', time: 2000, scriptPid: 42},
  ];
  const text = format(restarts);
  t.is(text, '{"daemon":"a","time":1000}\n{"daemon":"b","time":2000,"scriptPid":42}\n');
  t.deepEqual(parse(text), {restarts, badLines: 0});
  t.deepEqual(parse(`${text}{"daemon":1}\nnot json\n\n{"daemon":"c","time":3,"scriptPid":-1}\n`), {
    restarts: [...restarts, {daemon: 'c', time: 3}],
    badLines: 2,
  });
});

test('recording appends, drops what is older than a week, and writes a private file', (t) => {
  const path = join(tmpDir(t), 'history');
  t.deepEqual(readHistory(path), {restarts: [], badLines: 0});
  const now = 10 * KEEP_MS;
  const kept = recordRestarts(
    path,
    [
      {daemon: 'old', time: now - KEEP_MS - 1},
      {daemon: 'a', time: now - 1000},
    ],
    [{daemon: 'a', time: now}],
    now,
  );
  t.deepEqual(kept, [
    {daemon: 'a', time: now - 1000},
    {daemon: 'a', time: now},
  ]);
  t.deepEqual(readHistory(path).restarts, kept);
  t.is(statSync(path).mode & 0o777, 0o600);
  t.is(readFileSync(path, 'utf8').split('\n').length, 3);
});

test('countSince counts one daemon inside the window', (t) => {
  const restarts = [
    {daemon: 'a', time: 100},
    {daemon: 'a', time: 900},
    {daemon: 'b', time: 950},
    {daemon: 'a', time: 1000},
  ];
  t.is(countSince(restarts, 'a', 1000, 500), 2);
  t.is(countSince(restarts, 'a', 1000, 1000), 3);
  t.is(countSince(restarts, 'b', 1000, 10), 0);
});
