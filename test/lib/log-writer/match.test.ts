import test from 'ava';
import {match} from '../../../src/lib/log-writer/match.js';

// The spec's table (daemontools rts expectations), plus the line-length argument.
const TABLE: Array<[string, string[], string[]]> = [
  ['*', ['', 'x', '*', 'one'], []],
  ['one*', ['one', 'one*', 'onetwo'], ['', 'x', 'on', 'onf']],
  ['* one', [' one', 'x one', '* one', 'xy one'], ['one', ' two', '  one', 'xy one ']],
  ['* * one', ['  one', 'x  one', ' y one', 'x y one'], ['one', ' one', '   one']],
  ['', [''], ['x']],
  ['named[*]: Cleaned cache *', ['named[135]: Cleaned cache of 3121 RRs.'], ['named[135]: cleaned cache of 3 RRs.']],
];

for (const [pattern, yes, no] of TABLE) {
  test(`pattern ${JSON.stringify(pattern)}`, (t) => {
    for (const line of yes) t.true(match(Buffer.from(pattern), Buffer.from(line)), `${JSON.stringify(line)} should match`);
    for (const line of no) t.false(match(Buffer.from(pattern), Buffer.from(line)), `${JSON.stringify(line)} should not match`);
  });
}

test('only the first `length` bytes of the line count', (t) => {
  const line = Buffer.from('abc\n\n\n');
  t.true(match(Buffer.from('abc'), line, 3));
  t.false(match(Buffer.from('abc'), line, 4));
  t.true(match(Buffer.from('a*'), line, 1));
});
