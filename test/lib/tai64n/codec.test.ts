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
