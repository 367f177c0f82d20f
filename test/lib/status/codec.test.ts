import test from 'ava';
import * as status from '../../../src/lib/status/codec.js';
import * as tai64n from '../../../src/lib/tai64n/codec.js';

test('the observed daemontools record decodes (pid little-endian, stamp big-endian)', (t) => {
  const bytes = Buffer.from('400000006b0245f92e366414802400000075', 'hex');
  const record = status.unpack(bytes)!;
  t.is(record.pid, 9344);
  t.is(record.want, 'up');
  t.false(record.paused);
  t.is(record.stamp.nanoseconds, 775316500);
  t.deepEqual(status.pack(record), bytes);
});

test('round trip of every want, paused only with a pid', (t) => {
  const stamp = tai64n.fromUnixMs(1_700_000_000_123.456);
  for (const want of ['up', 'down', 'none'] as const) {
    const record = {stamp, pid: 16909060, paused: true, want};
    t.deepEqual(status.unpack(status.pack(record)), record);
  }
  t.is(status.pack({stamp, pid: 0, paused: true, want: 'up'})[status.PAUSED_OFFSET], 0);
});

test('short records are bad format; runit 20-byte records decode from their first 18', (t) => {
  t.is(status.unpack(Buffer.alloc(17)), undefined);
  const runit = Buffer.concat([Buffer.from('400000006b0245f92e366414802400000175', 'hex'), Buffer.from([0, 1])]);
  const record = status.unpack(runit)!;
  t.is(record.pid, 9344);
  t.true(record.paused);
  t.is(record.want, 'up');
});
