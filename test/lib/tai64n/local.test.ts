import test from 'ava';
import {Localizer, formatLocal, localizeLine} from '../../../src/lib/tai64n/local.js';
import {loadTimeZone} from '../../../src/lib/tai64n/zone.js';

// In UTC; formatLocal is checked against the real tai64nlocal in every TZ form in test/bin/tai64nlocal.test.ts.
const UTC = loadTimeZone('UTC', undefined);
const line = (text: string) => Buffer.from(text, 'latin1');

test('a valid label becomes local time and keeps its terminating byte and the rest', (t) => {
  const expected = formatLocal(994720184, 848605500, UTC);
  t.is(localizeLine(line('@400000003b4a39c23294b13c X\n'), UTC).toString('latin1'), `${expected} X\n`);
  t.is(localizeLine(line('@400000003b4a39c23294b13cX'), UTC).toString('latin1'), `${expected}X`);
  t.is(localizeLine(line('@400000003b4a39c23294b13c'), UTC).toString('latin1'), expected);
});

test('nanoseconds are printed from the label, ten digits when they exceed 10^9', (t) => {
  t.regex(localizeLine(line('@400000003b4a39c2ffffffff x'), UTC).toString('latin1'), /\.4294967295 x$/);
  t.regex(localizeLine(line('@400000000000000a00000000 epoch'), UTC).toString('latin1'), /\.000000000 epoch$/);
});

test('formatLocal pads every field but the year', (t) => {
  const text = formatLocal(0, 5, UTC);
  t.regex(text, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.000000005$/);
});

test('malformed labels and other lines pass through unchanged', (t) => {
  for (const text of [
    '  @400000003b4a39c23294b13c x\n',
    '@400000003B4A39C23294B13C x\n',
    '@400000003b4a39c2 x\n',
    '@400000003b4a39c23294b13c3294b13c x\n',
    '@zz\n',
    '@\n',
    'plain\n',
    '\n',
    '@ffffffffffffffffffffffff x\n',
  ]) {
    t.is(localizeLine(line(text), UTC).toString('latin1'), text, JSON.stringify(text));
  }
});

test('Localizer joins lines split across chunks and returns the partial tail at the end', (t) => {
  const localizer = new Localizer();
  const expected = formatLocal(994720184, 848605500, UTC);
  let out = localizer.push(line('@400000003b4a'));
  t.is(out.length, 0);
  out = Buffer.concat([out, localizer.push(line('39c23294b13c one\n@400000003b4a39c23294b13c two'))]);
  t.is(out.toString('latin1'), `${expected} one\n`);
  t.is(localizer.end().toString('latin1'), `${expected} two`);
  t.is(localizer.end().length, 0);
});
