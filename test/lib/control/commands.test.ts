import test from 'ava';
import {parseControlByte} from '../../../src/lib/control/commands.js';

test('control bytes: the eleven letters, everything else ignored', (t) => {
  const known = [...Array(256).keys()].filter((byte) => parseControlByte(byte) !== undefined).map((byte) => String.fromCharCode(byte));
  t.is(known.join(''), 'acdhikoptux');
});
