import test from 'ava';
import {chmodSync, chownSync, closeSync, lchownSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {checkTrustedPath, openTrusted, trustedPathProblem} from '../../../src/lib/security/trusted-path.js';
import {tmpDir} from '../../helpers/tmp.js';

const NOBODY = 65534;

function tree(t: import('ava').ExecutionContext) {
  const base = tmpDir(t);
  chmodSync(base, 0o755);
  const dir = join(base, 'etc');
  mkdirSync(dir, {mode: 0o755});
  const file = join(dir, 'f');
  writeFileSync(file, 'content', {mode: 0o644});
  return {base, dir, file};
}

test('a file is trusted when it and every directory up to / are root-owned and written by nobody else', (t) => {
  const {file} = tree(t);
  t.is(trustedPathProblem(file, 'file', [0]), undefined);
  const opened = openTrusted(file, 'file', [0]);
  t.true(opened.ok);
  if (opened.ok) {
    t.is(readFileSync(opened.fd, 'utf8'), 'content');
    closeSync(opened.fd);
  }
});

test('a directory on the way owned by another uid, or writable by others, is named in the refusal', (t) => {
  const {dir, file} = tree(t);
  chownSync(dir, NOBODY, NOBODY);
  t.is(trustedPathProblem(file, 'file', [0]), `${dir}: it is owned by uid ${NOBODY}, not by uid 0`);
  t.is(trustedPathProblem(file, 'file', [0, NOBODY]), undefined);
  chownSync(dir, 0, 0);
  chmodSync(dir, 0o775);
  t.is(trustedPathProblem(file, 'file', [0]), `${dir}: it is group-writable`);
});

test('a sticky world-writable directory is accepted above a trusted directory, never as the one holding the file', (t) => {
  const {base} = tree(t);
  const pub = join(base, 'pub');
  mkdirSync(pub);
  chmodSync(pub, 0o1777);
  const inner = join(pub, 'inner');
  mkdirSync(inner, {mode: 0o755});
  writeFileSync(join(inner, 'f'), '', {mode: 0o644});
  writeFileSync(join(pub, 'f'), '', {mode: 0o644});
  t.is(trustedPathProblem(join(inner, 'f'), 'file', [0]), undefined);
  t.is(trustedPathProblem(join(pub, 'f'), 'file', [0]), `${pub}: it is group- and world-writable`);
  chmodSync(pub, 0o777);
  t.is(trustedPathProblem(join(inner, 'f'), 'file', [0]), `${pub}: it is group- and world-writable`);
});

test('symlinks are followed only when owned by a trusted uid, and their targets are checked whole', (t) => {
  const {base, file} = tree(t);
  const link = join(base, 'link');
  symlinkSync(file, link);
  const outcome = checkTrustedPath(link, 'file', [0]);
  t.deepEqual(outcome.ok && outcome.real, file);
  lchownSync(link, NOBODY, NOBODY);
  t.is(trustedPathProblem(link, 'file', [0]), `it is a symlink owned by uid ${NOBODY}, not by uid 0`);
  const away = join(base, 'away');
  mkdirSync(away, {mode: 0o755});
  chownSync(away, NOBODY, NOBODY);
  writeFileSync(join(away, 'f'), '', {mode: 0o644});
  const relative = join(base, 'relative');
  symlinkSync('away/f', relative);
  t.is(trustedPathProblem(relative, 'file', [0]), `${away}: it is owned by uid ${NOBODY}, not by uid 0`);
  const loop = join(base, 'loop');
  symlinkSync(loop, loop);
  t.is(trustedPathProblem(loop, 'file', [0]), 'symbolic link loop');
});

test('parents mode accepts a missing final name in a trusted directory; a missing file is an errno cause', (t) => {
  const {dir} = tree(t);
  t.deepEqual(checkTrustedPath(join(dir, 'absent'), 'parents', [0]), {ok: true, real: join(dir, 'absent')});
  const missing = checkTrustedPath(join(dir, 'absent'), 'file', [0]);
  t.false(missing.ok);
  t.is(!missing.ok && missing.cause?.code, 'ENOENT');
});

test('openTrusted refuses a file another uid owns, and a directory passes as a directory', (t) => {
  const {dir, file} = tree(t);
  chownSync(file, NOBODY, NOBODY);
  t.deepEqual(openTrusted(file, 'file', [0]), {ok: false, problem: `it is owned by uid ${NOBODY}, not by uid 0`});
  t.is(trustedPathProblem(dir, 'directory', [0]), undefined);
});
