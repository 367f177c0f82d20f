import test from 'ava';
import {closeSync, constants, mkdirSync, openSync, readSync} from 'node:fs';
import {join} from 'node:path';
import {probeSupervisor, sendControl} from '../../../src/lib/control/client.js';
import {mkfifoSync} from '../../../src/lib/sys/mkfifo.js';
import {tmpDir} from '../../helpers/tmp.js';

function serviceDir(t: Parameters<typeof tmpDir>[0]): string {
  const dir = tmpDir(t);
  mkdirSync(join(dir, 'supervise'));
  mkfifoSync([join(dir, 'supervise/control'), join(dir, 'supervise/ok')]);
  return dir;
}

test('control: not-running without a reader, bytes delivered with one', (t) => {
  const dir = serviceDir(t);
  t.is(sendControl(dir, 'u'), 'not-running');
  const reader = openSync(join(dir, 'supervise/control'), constants.O_RDONLY | constants.O_NONBLOCK);
  t.teardown(() => closeSync(reader));
  t.is(sendControl(dir, 'dx'), 'sent');
  const buffer = Buffer.alloc(16);
  t.is(buffer.toString('latin1', 0, readSync(reader, buffer)), 'dx');
});

test('control: a directory without supervise/ throws ENOENT', (t) => {
  const error = t.throws(() => sendControl(tmpDir(t), 'u'));
  t.is((error as NodeJS.ErrnoException).code, 'ENOENT');
});

test('ok probe: missing, not-running, running', (t) => {
  t.is(probeSupervisor(tmpDir(t)), 'missing');
  const dir = serviceDir(t);
  t.is(probeSupervisor(dir), 'not-running');
  const reader = openSync(join(dir, 'supervise/ok'), constants.O_RDONLY | constants.O_NONBLOCK);
  t.teardown(() => closeSync(reader));
  t.is(probeSupervisor(dir), 'running');
});
