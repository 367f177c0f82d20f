import test from 'ava';
import {mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import * as status from '../../../src/lib/status/codec.js';
import {readStatus, readStatusFile, writeStatusFile} from '../../../src/lib/status/file.js';
import * as tai64n from '../../../src/lib/tai64n/codec.js';
import {tmpDir} from '../../helpers/tmp.js';

const record = {stamp: tai64n.fromUnixMs(1_000_000), pid: 42, paused: false, want: 'down' as const};

test('status read: record, and bad format when short', (t) => {
  const dir = tmpDir(t);
  mkdirSync(join(dir, 'supervise'));
  writeFileSync(join(dir, 'supervise/status'), status.pack(record));
  t.deepEqual(readStatus(dir), record);
  writeFileSync(join(dir, 'supervise/status'), Buffer.alloc(5));
  t.is(readStatus(dir), 'bad-format');
});

test('status read without following refuses a symlink (ELOOP); by name it is followed', (t) => {
  const dir = tmpDir(t);
  writeFileSync(join(dir, 'elsewhere'), status.pack(record));
  symlinkSync('elsewhere', join(dir, 'status'));
  t.deepEqual(readStatusFile(join(dir, 'status')), record);
  const error = t.throws(() => readStatusFile(join(dir, 'status'), {follow: false}));
  t.is((error as NodeJS.ErrnoException).code, 'ELOOP');
});

test('status write: 18 bytes by rename, never through a symlink planted at status.new', (t) => {
  const dir = tmpDir(t);
  writeFileSync(join(dir, 'victim'), 'keep');
  symlinkSync('victim', join(dir, 'status.new'));
  writeStatusFile(join(dir, 'status'), record);
  t.deepEqual(readFileSync(join(dir, 'status')), status.pack(record));
  t.is(readFileSync(join(dir, 'victim'), 'utf8'), 'keep');
  t.deepEqual(readStatusFile(join(dir, 'status'), {follow: false}), record);
});
