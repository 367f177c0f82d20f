import test from 'ava';
import {format, matches, parse} from '../../../src/lib/status/child-record.js';

const record = {pid: 4242, startTime: '56108', bootId: '3339b027-0002-43bd-b321-a3d7a7dc4307'};

test('round trip and exact text', (t) => {
  t.is(format(record), '4242 56108 3339b027-0002-43bd-b321-a3d7a7dc4307\n');
  t.deepEqual(parse(format(record)), record);
});

test('anything malformed is undefined, never a misleading record', (t) => {
  for (const text of ['', '\n', '0 1 b\n', '4242 56108\n', '4242 56108 boot', '4242 56108 BOOT\n', '-1 2 ab\n', '4242 5x108 ab\n', '99999999999 1 ab\n', '4242 56108 ab\nextra\n']) {
    t.is(parse(text), undefined, JSON.stringify(text));
  }
});

test('matches: same start time on the same boot only', (t) => {
  t.true(matches(record, '56108', record.bootId));
  t.false(matches(record, '56109', record.bootId));
  t.false(matches(record, '56108', 'another-boot'));
  t.false(matches(record, undefined, record.bootId));
});
