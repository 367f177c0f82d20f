import test from 'ava';
import * as tai64n from '../../../src/lib/tai64n/codec.js';

test('the spec example label decodes and re-encodes', (t) => {
  const stamp = tai64n.parse('@400000003b4a39c23294b13c');
  t.truthy(stamp);
  t.is(tai64n.toUnixSeconds(stamp!), 994720184n);
  t.is(stamp!.nanoseconds, 848605500);
  t.is(tai64n.format(stamp!), '@400000003b4a39c23294b13c');
});

test('fromUnixMs follows daemontools: microseconds * 1000 + 500', (t) => {
  const stamp = tai64n.fromUnixMs(994720184848.6055);
  t.is(tai64n.format(stamp), '@400000003b4a39c23294b13c');
  t.is(tai64n.fromUnixMs(0).nanoseconds, 500);
  t.is(tai64n.format(tai64n.fromUnixMs(0)), '@400000000000000a000001f4');
});

test('pack/unpack round trip at an offset', (t) => {
  const buffer = Buffer.alloc(20, 0xff);
  const stamp = {seconds: tai64n.TAI_OFFSET + 1_700_000_000n, nanoseconds: 123_456_500};
  tai64n.pack(stamp, buffer, 3);
  t.deepEqual(tai64n.unpack(buffer, 3), stamp);
  t.is(buffer[2], 0xff);
  t.is(buffer[15], 0xff);
});

test('parse refuses anything but a full lowercase label', (t) => {
  for (const bad of ['@400000003B4A39C23294B13C', '@400000003b4a39c2', '400000003b4a39c23294b13c0', '@zz', '']) {
    t.is(tai64n.parse(bad), undefined, bad);
  }
});

test('formatInto writes the same label as format(fromUnixMs)', (t) => {
  const target = Buffer.alloc(30, 0x2e);
  for (const ms of [0, 1, 994720184848.6055, 1_700_000_000_123.456, 4_102_444_800_000.999, -1, -86_400_000.5]) {
    const end = tai64n.formatInto(ms, target, 2);
    t.is(end, 27);
    t.is(target.toString('latin1', 2, 27), tai64n.format(tai64n.fromUnixMs(ms)), String(ms));
  }
  t.is(target.toString('latin1', 0, 2), '..');
  t.is(target.toString('latin1', 27), '...');
});
