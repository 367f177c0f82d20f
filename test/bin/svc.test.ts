// svc, differential against Debian's: option handling (duplicates dropped, usage line), the bytes
// written, and the per-directory warnings (exit 0 even when every directory fails).
// Not tested: `unable to open current directory` / `unable to set directory` (we never chdir).
import test from 'ava';
import {closeSync, constants, mkdirSync, openSync, readSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {mkfifoSync} from '../../src/lib/sys/mkfifo.js';
import {tool, type Side} from '../helpers/supervisors.js';
import {tmpDir} from '../helpers/tmp.js';

test('bad option: illegal option line, then the options line; exit 100', async (t) => {
  const parent = tmpDir(t, 'keepup-svc-');
  const [ours, real] = await Promise.all([tool('ours', 'svc', ['-uz', 'x'], parent), tool('real', 'svc', ['-uz', 'x'], parent)]);
  t.deepEqual(ours, real);
  t.is(ours.code, 100);
  t.regex(ours.stderr, /^svc: illegal option -- z\nsvc options: u up, d down/);
});

test('letters written once each, in order of first appearance, in one write', async (t) => {
  const parent = tmpDir(t, 'keepup-svc-');
  mkdirSync(join(parent, 's1/supervise'), {recursive: true});
  mkfifoSync([join(parent, 's1/supervise/control')]);
  const reader = openSync(join(parent, 's1/supervise/control'), constants.O_RDONLY | constants.O_NONBLOCK);
  t.teardown(() => closeSync(reader));
  const read = () => {
    const buffer = Buffer.alloc(64);
    try {
      return buffer.toString('latin1', 0, readSync(reader, buffer));
    } catch {
      return '';
    }
  };
  for (const args of [['-uuhd', 's1'], ['-k', '-tk', '-x', 's1'], ['s1'], ['-udopchaitkx', 's1']]) {
    const written: Record<Side, string> = {ours: '', real: ''};
    for (const side of ['ours', 'real'] as Side[]) {
      const result = await tool(side, 'svc', args, parent);
      t.deepEqual([result.code, result.stderr], [0, ''], side);
      written[side] = read();
    }
    t.is(written.ours, written.real, args.join(' '));
  }
});

test('per-directory warnings, exit 0: missing, not a dir, no supervise, not running', async (t) => {
  const parent = tmpDir(t, 'keepup-svc-');
  writeFileSync(join(parent, 'plain'), '');
  mkdirSync(join(parent, 'bare'));
  mkdirSync(join(parent, 'stopped/supervise'), {recursive: true});
  mkfifoSync([join(parent, 'stopped/supervise/control')]);
  const args = ['-u', 'nonexistent', 'plain', 'bare', 'stopped'];
  const [ours, real] = await Promise.all([tool('ours', 'svc', args, parent), tool('real', 'svc', args, parent)]);
  t.deepEqual(ours, real);
  t.is(ours.stderr.split('\n').length, 5);
  t.is(ours.code, 0);
});
