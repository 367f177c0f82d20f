import test from 'ava';
import {randomBytes} from 'node:crypto';
import {bytesOfName, fsPath, hasEscapedBytes, nameFromBytes} from '../../../src/lib/sys/byte-names.js';

test('valid UTF-8 names are ordinary strings', (t) => {
  for (const name of ['dnscache', 'café', '服务', 'emoji 🐢', '']) {
    const bytes = Buffer.from(name, 'utf8');
    t.is(nameFromBytes(bytes), name);
    t.false(hasEscapedBytes(name));
    t.deepEqual(bytesOfName(name), bytes);
    t.is(fsPath(name), name);
  }
});

test('bytes that are not UTF-8 come back exactly, valid parts stay readable', (t) => {
  const bytes = Buffer.from([0x75, 0xff, 0xfe, 0x62, 0x69, 0x6e]);
  const name = nameFromBytes(bytes);
  t.is(name, 'u\udcff\udcfebin');
  t.true(hasEscapedBytes(name));
  t.deepEqual(bytesOfName(name), bytes);
  t.deepEqual(fsPath(`/service/${name}`), Buffer.concat([Buffer.from('/service/'), bytes]));
});

test('overlong forms, encoded surrogates, truncated sequences and stray continuations are escaped byte by byte', (t) => {
  for (const bytes of [
    [0xc0, 0x80],
    [0xe0, 0x80, 0x80],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xe2, 0x82],
    [0x80, 0x41],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
  ]) {
    const name = nameFromBytes(Buffer.from(bytes));
    t.deepEqual(bytesOfName(name), Buffer.from(bytes), Buffer.from(bytes).toString('hex'));
    t.is([...name].filter((char) => char.charCodeAt(0) >= 0xdc80 && char.charCodeAt(0) <= 0xdcff).length, bytes.filter((byte) => byte >= 0x80).length);
  }
  t.is(nameFromBytes(Buffer.from([0xe2, 0x82, 0xac, 0xff])), '€\udcff', 'a valid sequence beside an invalid byte');
});

test('any bytes round-trip', (t) => {
  for (let i = 0; i < 2000; i++) {
    const bytes = randomBytes(1 + (i % 40));
    t.deepEqual(bytesOfName(nameFromBytes(bytes)), bytes);
  }
});
