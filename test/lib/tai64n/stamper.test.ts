import test from 'ava';
import {Stamper} from '../../../src/lib/tai64n/stamper.js';
import * as tai64n from '../../../src/lib/tai64n/codec.js';

function steppingClock(startMs: number) {
  let now = startMs;
  return {now: () => (now += 1000)};
}

test('every line gets the label of the read that brought its first byte (the clock read once per chunk); lines may span chunks', (t) => {
  const clock = steppingClock(994720183848.6055);
  const stamper = new Stamper(clock);
  const label = (n: number) => tai64n.format(tai64n.fromUnixMs(994720183848.6055 + n * 1000));
  const out = [stamper.stamp(Buffer.from('one\ntw')), stamper.stamp(Buffer.from('o\n\nthree')), stamper.stamp(Buffer.from('\nfour\n'))].map((b) => b.toString('latin1')).join('');
  t.is(out, `${label(1)} one\n${label(1)} two\n${label(2)} \n${label(2)} three\n${label(3)} four\n`);
  t.is(clock.now(), 994720183848.6055 + 4 * 1000, 'three chunks with line starts, three readings of the clock');
});

test('an empty chunk yields nothing and keeps the line state', (t) => {
  const stamper = new Stamper(steppingClock(0));
  t.is(stamper.stamp(Buffer.alloc(0)).length, 0);
  t.is(stamper.stamp(Buffer.from('a')).length, 27);
  t.is(stamper.stamp(Buffer.from('b\n')).toString(), 'b\n');
});
