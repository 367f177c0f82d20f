import test from 'ava';
import {closeSync, copyFileSync, fstatSync, mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {FatalError} from '../../../src/lib/cli/errors.js';
import {addonCandidates, loadProcessCalls} from '../../../src/lib/sys/native.js';
import {ROOT} from '../../helpers/paths.js';
import {tmpDir} from '../../helpers/tmp.js';

test('the addon loads from the package root and its calls work', (t) => {
  const calls = loadProcessCalls();
  const pipe = calls.pipe();
  if (typeof pipe === 'number') return t.fail(`pipe failed: ${pipe}`);
  t.true(fstatSync(pipe[0]).isFIFO());
  t.is(calls.setCloexec(pipe[1], false), 0);
  pipe.forEach((fd) => closeSync(fd));
  t.is(calls.setCloexec(pipe[1], true), 9, 'EBADF on a closed fd');
  const limit = calls.getrlimit(calls.RLIMIT_NOFILE);
  t.true(Array.isArray(limit) && limit[0] <= limit[1]);
  t.is(calls.getrlimit(9999), 22, 'EINVAL for an unknown resource');
  t.true(calls.environ().some((entry) => entry.toString().startsWith('PATH=')));
});

test('a package without the built addon: a FatalError that says how to build it', (t) => {
  const root = tmpDir(t);
  writeFileSync(join(root, 'package.json'), '{"name": "keepup"}');
  // The build's marker in dist/bin (a nameless package.json saying CommonJS) is not the root.
  mkdirSync(join(root, 'dist', 'bin'), {recursive: true});
  writeFileSync(join(root, 'dist', 'bin', 'package.json'), '{"type": "commonjs"}');
  const error = t.throws(() => loadProcessCalls(join(root, 'dist', 'bin', 'x.js')), {instanceOf: FatalError});
  t.regex(error?.message ?? '', /^unable to load .*build\/Release\/keepup_process\.node \(build it with `npm rebuild`\): /);
});

test('a package with only the prebuilt binary for this platform (an installed tarball) loads that', (t) => {
  const root = tmpDir(t);
  writeFileSync(join(root, 'package.json'), '{"name": "keepup"}');
  const prebuilt = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'node.node');
  mkdirSync(dirname(prebuilt), {recursive: true});
  copyFileSync(addonCandidates(ROOT)[0], prebuilt);
  t.is(typeof loadProcessCalls(join(root, 'dist', 'bin', 'x.js')).pipe, 'function');
  t.deepEqual(addonCandidates(root), [join(root, 'build', 'Release', 'keepup_process.node'), prebuilt]);
});
