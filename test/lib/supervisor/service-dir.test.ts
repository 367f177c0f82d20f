import test from 'ava';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {ServiceDir} from '../../../src/lib/supervisor/service-dir.js';
import * as status from '../../../src/lib/status/codec.js';
import * as tai64n from '../../../src/lib/tai64n/codec.js';
import {makeService} from '../../helpers/service-dir.js';

const record = {stamp: tai64n.fromUnixMs(1_700_000_000_000), pid: 77, paused: false, want: 'up' as const};

test('initial want: up, down, and the daemontools failures', (t) => {
  const {parent, dir} = makeService(t);
  t.is(new ServiceDir(dir).initialWant(), 'up');
  writeFileSync(join(dir, 'down'), '');
  t.is(new ServiceDir(dir).initialWant(), 'down');
  t.deepEqual(new ServiceDir(join(parent, 'none')).initialWant(), {kind: 'failed', message: `unable to chdir to ${parent}/none: file does not exist`});
  t.deepEqual(new ServiceDir(join(dir, 'run')).initialWant(), {kind: 'failed', message: `unable to chdir to ${dir}/run: not a directory`});
});

test('status writes: the bytes, then daemontools warnings for open and rename failures', (t) => {
  const {dir} = makeService(t);
  mkdirSync(join(dir, 'supervise'));
  const files = new ServiceDir(dir);
  t.is(files.writeStatus(record), undefined);
  t.deepEqual(readFileSync(join(dir, 'supervise/status')), status.pack(record));
  mkdirSync(join(dir, 'supervise/status.new'));
  t.is(files.writeStatus(record), `unable to open ${dir}/supervise/status.new: is a directory`);
  const other = makeService(t, {}, 's2').dir;
  mkdirSync(join(other, 'supervise/status/occupied'), {recursive: true});
  t.is(new ServiceDir(other).writeStatus(record), `unable to rename ${other}/supervise/status.new to status: is a directory`);
});

test('previous: status and child record together, or nothing', (t) => {
  const {dir} = makeService(t);
  mkdirSync(join(dir, 'supervise'));
  const files = new ServiceDir(dir);
  t.is(files.previous(), undefined);
  files.writeStatus(record);
  t.is(files.previous(), undefined, 'no child record');
  const child = {pid: 77, startTime: '123', bootId: 'abc-def'};
  t.is(files.writeChild(child), undefined);
  t.deepEqual(files.previous(), {status: record, child});
  writeFileSync(join(dir, 'supervise/status'), Buffer.alloc(3));
  t.is(files.previous(), undefined, 'truncated status');
});

test('timeout-kill: absent, a number, garbage', (t) => {
  const {dir} = makeService(t);
  const files = new ServiceDir(dir);
  t.is(files.timeoutKill(), undefined);
  writeFileSync(join(dir, 'timeout-kill'), ' 2500\n');
  t.deepEqual(files.timeoutKill(), {ms: 2500});
  writeFileSync(join(dir, 'timeout-kill'), '2.5s');
  t.deepEqual(files.timeoutKill(), {warning: `ignoring ${dir}/timeout-kill: not a whole number of milliseconds`});
  mkdirSync(join(dir, 'x'));
  const other = new ServiceDir(join(dir, 'x'));
  mkdirSync(join(dir, 'x/timeout-kill'));
  t.deepEqual(other.timeoutKill(), {warning: `unable to read ${dir}/x/timeout-kill: is a directory`});
});
