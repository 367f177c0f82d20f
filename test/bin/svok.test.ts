// svok, differential against Debian's: exit codes and messages for every case.
import test from 'ava';
import {closeSync, constants, mkdirSync, openSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {mkfifoSync} from '../../src/lib/sys/mkfifo.js';
import {tool} from '../helpers/supervisors.js';
import {tmpDir} from '../helpers/tmp.js';

test('svok: usage, chdir failures, no supervise, not running, running: same as daemontools', async (t) => {
  const parent = tmpDir(t, 'keepup-svok-');
  for (const name of ['bare', 'stopped', 'running']) mkdirSync(join(parent, name));
  for (const name of ['stopped', 'running']) {
    mkdirSync(join(parent, name, 'supervise'));
    mkfifoSync([join(parent, name, 'supervise/ok')]);
  }
  const reader = openSync(join(parent, 'running/supervise/ok'), constants.O_RDONLY | constants.O_NONBLOCK);
  t.teardown(() => closeSync(reader));
  writeFileSync(join(parent, 'plain'), '');
  const cases = [[], ['nonexistent'], ['plain'], ['bare'], ['stopped'], ['running'], ['running', 'ignored', 'extra']];
  const expected = [100, 111, 111, 100, 100, 0, 0];
  for (const [index, args] of cases.entries()) {
    const [ours, real] = await Promise.all([tool('ours', 'svok', args, parent), tool('real', 'svok', args, parent)]);
    t.deepEqual(ours, real, args.join(' '));
    t.is(ours.code, expected[index]!, args.join(' '));
  }
});
