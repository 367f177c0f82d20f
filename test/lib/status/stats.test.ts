import test from 'ava';
import * as stats from '../../../src/lib/status/stats.js';

test('stats round-trip; restarts are the starts after the first', (t) => {
  const record: stats.SupervisorStats = {since: 1700000000000, starts: 3, lastExit: {code: null, signal: 'SIGTERM', at: 1700000001000}};
  t.deepEqual(stats.parse(stats.format(record)), record);
  t.is(stats.restarts(record), 2);
  t.is(stats.restarts({since: 0, starts: 0, lastExit: null}), 0);
  t.deepEqual(stats.parse('{"since":5,"starts":0,"lastExit":null}'), {since: 5, starts: 0, lastExit: null});
});

test('anything else is undefined', (t) => {
  for (const text of [
    '',
    'null',
    '[]',
    '{"since":-1,"starts":0,"lastExit":null}',
    '{"since":1,"starts":1.5,"lastExit":null}',
    '{"since":1,"starts":1,"lastExit":{"code":"0","signal":null,"at":1}}',
    '{"since":1,"starts":1}',
  ]) {
    t.is(stats.parse(text), undefined, text);
  }
});
