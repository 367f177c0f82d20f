import test from 'ava';
import {Stamper} from '../../../src/lib/tai64n/stamper.js';
import * as tai64n from '../../../src/lib/tai64n/codec.js';

function steppingClock(startMs: number) {
  let now = startMs;
  return {now: () => (now += 1000)};
}

test('every line gets its own label taken at its first byte; lines may span chunks', (t) => {
  const stamper = new Stamper(steppingClock(994720183848.6055));
  const label = (n: number) => tai64n.format(tai64n.fromUnixMs(994720183848.6055 + n * 1000));
  const out = [stamper.stamp(Buffer.from('one\ntw')), stamper.stamp(Buffer.from('o\n\nthree'))].map((b) => b.toString('latin1')).join('');
  t.is(out, `${label(1)} one\n${label(2)} two\n${label(3)} \n${label(4)} three`);
});

test('an empty chunk yields nothing and keeps the line state', (t) => {
  const stamper = new Stamper(steppingClock(0));
  t.is(stamper.stamp(Buffer.alloc(0)).length, 0);
  t.is(stamper.stamp(Buffer.from('a')).length, 27);
  t.is(stamper.stamp(Buffer.from('b\n')).toString(), 'b\n');
});
