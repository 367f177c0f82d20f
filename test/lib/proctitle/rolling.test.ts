import test from 'ava';
import {RollingTitle} from '../../../src/lib/proctitle/rolling.js';

/** The reference: daemontools' byte-at-a-time shift. */
function reference(length: number, input: Buffer): string {
  const d = Buffer.alloc(length, '.');
  for (const byte of input) {
    if (byte === 0) continue;
    d.copy(d, 3, 4, length);
    d[length - 1] = byte;
  }
  return d.toString('latin1').replace(/\n/g, ' ');
}

test('matches the byte-at-a-time shift for every split of the input', (t) => {
  const input = Buffer.from('hello errors\nsecond\0line that is long enough to wrap around\n');
  for (const length of [5, 6, 20, 200]) {
    for (const split of [1, 3, 7, 1000]) {
      const title = new RollingTitle(length);
      for (let i = 0; i < input.length; i += split) title.feed(input.subarray(i, i + split));
      t.is(title.text(), reference(length, input), `length ${length} split ${split}`);
    }
  }
});

test('first three characters never change; NULs are ignored; short areas refused', (t) => {
  const title = new RollingTitle(8);
  title.feed(Buffer.from('\0\0abcdefghij\0'));
  t.is(title.text(), '...fghij');
  t.throws(() => new RollingTitle(4), {instanceOf: RangeError});
});
