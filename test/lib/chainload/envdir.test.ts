import test from 'ava';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {applyEnvChanges, firstLine, readEnvDir} from '../../../src/lib/chainload/envdir.js';
import {SysError} from '../../../src/lib/cli/errors.js';
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
    [['A', undefined], ['B', 'two']],
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
  const result = applyEnvChanges(env, [{name: 'A', value: Buffer.from('new')}, {name: 'B', value: undefined}, {name: 'C', value: Buffer.from('')}]);
  t.deepEqual(result.map(String), ['AB=4', 'A=new', 'C=']);
});
