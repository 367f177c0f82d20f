import test from 'ava';
import type {StatusRecord} from '../../../src/lib/status/codec.js';
import {secondsSince, stampMs} from '../../../src/lib/status/stamp.js';
import * as tai64n from '../../../src/lib/tai64n/codec.js';

const at = (ms: number): StatusRecord => ({stamp: tai64n.fromUnixMs(ms), pid: 7, paused: false, want: 'up'});

test('stampMs gives the stamp in unix milliseconds', (t) => {
  t.is(stampMs(at(1_700_000_000_123)), 1_700_000_000_123);
});

test('secondsSince counts whole seconds as svstat does, and 0 for a stamp in the future', (t) => {
  // svstat subtracts whole seconds: 10.9 s - 9.95 s is 1 second, 10.1 s - 9.0 s too.
  t.is(secondsSince(at(9_950), 10_900), 1n);
  t.is(secondsSince(at(9_000), 10_100), 1n);
  t.is(secondsSince(at(20_000), 10_000), 0n);
  t.is(secondsSince({...at(0), stamp: {seconds: tai64n.fromUnixMs(0).seconds + 2n ** 40n, nanoseconds: 0}}, 0), 0n);
});
