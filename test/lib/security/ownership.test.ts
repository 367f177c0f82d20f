import test from 'ava';
import {chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {checkTrusted, trustedUids} from '../../../src/lib/security/ownership.js';
import {tmpDir} from '../../helpers/tmp.js';

test('trusted owners: root alone for root, root or oneself for anyone else', (t) => {
  t.deepEqual(trustedUids(0), [0]);
  t.deepEqual(trustedUids(1000), [0, 1000]);
});

test('files and directories are judged by type, owner, write bits and (for scripts) the owner x bit', (t) => {
  const dir = tmpDir(t);
  const file = join(dir, 'f');
  writeFileSync(file, '');
  const verdict = (path: string, kind: 'file' | 'executable' | 'directory', uids = [0]) => {
    const outcome = checkTrusted(path, kind, uids);
    return outcome.ok ? 'ok' : outcome.cause ? outcome.cause.code : outcome.problem;
  };
  const cases: Array<[number, 'file' | 'executable', string]> = [
    [0o644, 'file', 'ok'],
    [0o664, 'file', 'it is group-writable'],
    [0o646, 'file', 'it is world-writable'],
    [0o666, 'file', 'it is group- and world-writable'],
    [0o755, 'executable', 'ok'],
    [0o644, 'executable', 'it is not executable by its owner'],
  ];
  for (const [mode, kind, expected] of cases) {
    chmodSync(file, mode);
    t.is(verdict(file, kind), expected, `${mode.toString(8)} ${kind}`);
  }
  chmodSync(file, 0o644);
  chownSync(file, 65534, 65534);
  t.is(verdict(file, 'file'), 'it is owned by uid 65534, not by uid 0');
  t.is(verdict(file, 'file', [0, 65534]), 'ok');
  t.is(verdict(dir, 'file'), 'it is not a regular file');
  t.is(verdict(file, 'directory', [0, 65534]), 'it is not a directory');
  t.is(verdict(join(dir, 'absent'), 'file'), 'ENOENT');
  mkdirSync(join(dir, 'd'), {mode: 0o755});
  symlinkSync(join(dir, 'd'), join(dir, 'link'));
  t.is(verdict(join(dir, 'link'), 'directory'), 'ok');
  t.deepEqual(checkTrusted(join(dir, 'link'), 'directory', [0], {follow: false}), {ok: false, problem: 'it is not a directory'});
});
