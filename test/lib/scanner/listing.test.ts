import test from 'ava';
import {mkdirSync, renameSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {listServices, planScan} from '../../../src/lib/scanner/listing.js';
import {bytesOfName} from '../../../src/lib/sys/byte-names.js';
import {tmpDir} from '../../helpers/tmp.js';

function collect(): {warn(message: string): void; lines: string[]} {
  const lines: string[] = [];
  return {lines, warn: (message) => lines.push(message)};
}

test('lists directories and symlinks to directories, skips dot names and files, finds logs', (t) => {
  const dir = tmpDir(t);
  mkdirSync(join(dir, 'a', 'log'), {recursive: true});
  mkdirSync(join(dir, 'b'));
  mkdirSync(join(dir, '.hidden'));
  writeFileSync(join(dir, 'plainfile'), '');
  const elsewhere = tmpDir(t);
  symlinkSync(elsewhere, join(dir, 'c-link'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  const reporter = collect();
  const entries = listServices(dir, reporter)!;
  t.deepEqual(
    entries.map((e) => [e.name, e.hasLog]),
    [
      ['a', true],
      ['b', false],
      ['c-link', false],
    ],
  );
  t.deepEqual(reporter.lines, ['unable to stat dangling: file does not exist']);
});

test('a log that is not a directory is reported and the service runs without one', (t) => {
  const dir = tmpDir(t);
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a', 'log'), '');
  const reporter = collect();
  t.deepEqual(
    listServices(dir, reporter)!.map((e) => e.hasLog),
    [false],
  );
  t.deepEqual(reporter.lines, ['a/log is not a directory: running a without a logger']);
});

test('an unreadable scan directory abandons the scan with a warning', (t) => {
  const reporter = collect();
  t.is(listServices(join(tmpDir(t), 'missing'), reporter), undefined);
  t.deepEqual(reporter.lines, ['unable to read directory: file does not exist']);
});

test('identity is the inode: a rename is the same service, a new dir with the old name is new', (t) => {
  const dir = tmpDir(t);
  mkdirSync(join(dir, 'a'));
  const first = listServices(dir, collect())!;
  renameSync(join(dir, 'a'), join(dir, 'renamed'));
  mkdirSync(join(dir, 'a'));
  const second = listServices(dir, collect())!;
  const plan = planScan(
    first.map((e) => e.key),
    second,
  );
  t.deepEqual(
    plan.added.map((e) => e.name),
    ['a'],
  );
  t.deepEqual(plan.vanished, []);
  t.is(second.find((e) => e.name === 'renamed')!.key, first[0]!.key);
});

test('plan: vanished keys are the known ones not listed', (t) => {
  const plan = planScan(
    ['1:1', '1:2'],
    [
      {name: 'x', key: '1:2', hasLog: false},
      {name: 'y', key: '1:3', hasLog: true},
    ],
  );
  t.deepEqual(
    plan.added.map((e) => e.name),
    ['y'],
  );
  t.deepEqual(plan.vanished, ['1:1']);
});

test('a name that is not UTF-8 is listed with its bytes escaped, and its log is found', (t) => {
  const dir = tmpDir(t);
  const bytes = Buffer.from([0x73, 0xff, 0xfe]);
  mkdirSync(Buffer.concat([Buffer.from(`${dir}/`), bytes, Buffer.from('/log')]), {recursive: true});
  const reporter = collect();
  const entries = listServices(dir, reporter)!;
  t.deepEqual(
    entries.map((e) => [e.name, e.hasLog]),
    [['s\udcff\udcfe', true]],
  );
  t.deepEqual(bytesOfName(entries[0]!.name), bytes);
  t.deepEqual(reporter.lines, []);
});
