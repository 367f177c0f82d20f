import test from 'ava';
import {chmodSync, chownSync, mkdirSync, symlinkSync, unlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {applyEnvChanges, firstLine, MAX_ENV_FILE, readEnvDir} from '../../../src/lib/chainload/envdir.js';
import {FatalError, SysError} from '../../../src/lib/cli/errors.js';
import {mkfifoSync} from '../../../src/lib/sys/mkfifo.js';
import {tmpDir} from '../../helpers/tmp.js';

test('firstLine: the first line, trailing blanks cut (leading kept), NULs become newlines', (t) => {
  t.is(firstLine(Buffer.from('first line  \t \nsecond')).toString(), 'first line');
  t.is(firstLine(Buffer.from('x\0y\0z')).toString(), 'x\ny\nz');
  t.is(firstLine(Buffer.from('\n')).toString(), '');
  t.is(firstLine(Buffer.from(' lead\t\n')).toString(), ' lead');
  t.is(firstLine(Buffer.from('a\0 \t')).toString(), 'a\n');
});

test('readEnvDir: entries in name order, dot files skipped, empty files unset', (t) => {
  const dir = tmpDir(t);
  writeFileSync(join(dir, 'B'), 'two\n');
  writeFileSync(join(dir, 'A'), '');
  writeFileSync(join(dir, '.hidden'), 'x');
  t.deepEqual(
    readEnvDir(dir).map(({name, value}) => [name, value?.toString()]),
    [
      ['A', undefined],
      ['B', 'two'],
    ],
  );
});

test('readEnvDir: errors name the directory or the file, worded as envdir', (t) => {
  const dir = tmpDir(t);
  mkdirSync(join(dir, 'sub', 'X'), {recursive: true});
  const missing = t.throws(() => readEnvDir(join(dir, 'nope')), {instanceOf: SysError});
  t.is(missing?.message, `unable to switch to directory ${join(dir, 'nope')}: file does not exist`);
  const sub = t.throws(() => readEnvDir(join(dir, 'sub')), {instanceOf: SysError});
  t.is(sub?.message, `unable to read ${join(dir, 'sub')}/X: is a directory`);
});

test('applyEnvChanges: replaces every copy of a name, removes unset ones, appends new ones', (t) => {
  const env = [Buffer.from('A=1'), Buffer.from('B=2'), Buffer.from('A=3'), Buffer.from('AB=4')];
  const result = applyEnvChanges(env, [
    {name: 'A', value: Buffer.from('new')},
    {name: 'B', value: undefined},
    {name: 'C', value: Buffer.from('')},
  ]);
  t.deepEqual(result.map(String), ['AB=4', 'A=new', 'C=']);
});

test('readEnvDir with trusted uids: refuses a directory or file owned by another uid, group/world-writable, a symlink, a FIFO; reads the rest', (t) => {
  const dir = tmpDir(t);
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'A'), 'fine\n');
  t.deepEqual(
    readEnvDir(dir, {trusted: [0]}).map(({name, value}) => [name, value?.toString()]),
    [['A', 'fine']],
  );
  const refused = (message: string) => {
    const error = t.throws(() => readEnvDir(dir, {trusted: [0]}), {instanceOf: FatalError});
    t.is(error?.message, message);
  };
  chownSync(dir, 65534, 65534);
  refused(`refusing env dir ${dir}: it is owned by uid 65534, not by uid 0`);
  chownSync(dir, 0, 0);
  chmodSync(dir, 0o775);
  refused(`refusing env dir ${dir}: it is group-writable`);
  chmodSync(dir, 0o755);
  chownSync(join(dir, 'A'), 65534, 65534);
  refused(`refusing env file ${dir}/A: it is owned by uid 65534, not by uid 0`);
  chownSync(join(dir, 'A'), 0, 0);
  chmodSync(join(dir, 'A'), 0o646);
  refused(`refusing env file ${dir}/A: it is world-writable`);
  chmodSync(join(dir, 'A'), 0o644);
  symlinkSync(join(dir, 'A'), join(dir, 'B'));
  refused(`refusing env file ${dir}/B: it is a symbolic link`);
  t.deepEqual(
    readEnvDir(dir).map(({name, value}) => [name, value?.toString()]),
    [
      ['A', 'fine'],
      ['B', 'fine'],
    ],
    'envdir itself follows symlinks',
  );
  unlinkSync(join(dir, 'B'));
  mkfifoSync([join(dir, 'C')]);
  refused(`refusing env file ${dir}/C: it is not a regular file`);
});

test('readEnvDir with trusted uids: a first line longer than one execve argument is refused, a long tail is not', (t) => {
  const dir = tmpDir(t);
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'A'), `short\n${'x'.repeat(MAX_ENV_FILE * 2)}`);
  t.is(readEnvDir(dir, {trusted: [0]})[0]?.value?.toString(), 'short');
  writeFileSync(join(dir, 'A'), 'x'.repeat(MAX_ENV_FILE + 1));
  t.throws(() => readEnvDir(dir, {trusted: [0]}), {message: `refusing env file ${dir}/A: its first line is longer than ${MAX_ENV_FILE} bytes`});
});
