import test from 'ava';
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {isKeepupError} from '../../../src/lib/cli/errors.js';
import {markDown, moveOut, planTree, writeService, type GeneratedService} from '../../../src/lib/service-tree/tree.js';
import {tmpDir} from '../../helpers/tmp.js';

const service = (name: string, run = `run ${name}\n`, logRun?: string, timeoutKill = '10000\n', restartPolicy = 'delay 1\n', notificationFd?: string): GeneratedService => ({
  name,
  run,
  logRun,
  timeoutKill,
  restartPolicy,
  notificationFd,
});

test('notification-fd is written for ready: {fd: N}, a change is an update without a restart, and it goes when ready: goes', (t) => {
  const dir = tmpDir(t, 'keepup-tree-');
  writeService(dir, service('n', 'r\n', undefined, '10000\n', 'delay 1\n', '3\n'));
  t.is(readFileSync(join(dir, 'n', 'notification-fd'), 'utf8'), '3\n');
  const changed = service('n', 'r\n', undefined, '10000\n', 'delay 1\n', '5\n');
  t.deepEqual(planTree(dir, [changed]).update, [{service: changed, run: false, log: false}]);
  writeService(dir, changed);
  t.is(readFileSync(join(dir, 'n', 'notification-fd'), 'utf8'), '5\n');
  const without = service('n', 'r\n');
  t.is(planTree(dir, [without]).update.length, 1);
  writeService(dir, without);
  t.false(existsSync(join(dir, 'n', 'notification-fd')));
  t.deepEqual(planTree(dir, [without]).unchanged, ['n']);
});

test("a plan names what to create, update, replace, leave and remove; admins' own directories are left alone", (t) => {
  const dir = tmpDir(t, 'keepup-tree-');
  for (const s of [service('same'), service('runs'), service('logs', 'r\n', 'l1\n'), service('gains'), service('gone'), service('stops'), service('policy')]) writeService(dir, s);
  mkdirSync(join(dir, 'mine'));
  const plan = planTree(dir, [
    service('same'),
    service('runs', 'new\n'),
    service('logs', 'r\n', 'l2\n'),
    service('gains', 'run gains\n', 'l\n'),
    service('fresh'),
    service('stops', undefined, undefined, '500\n'),
    service('policy', undefined, undefined, undefined, 'delay 2\n'),
  ]);
  t.deepEqual(
    plan.create.map((s) => s.name),
    ['fresh'],
  );
  t.deepEqual(
    plan.update.map((u) => [u.service.name, u.run, u.log]),
    [
      ['runs', true, false],
      ['logs', false, true],
      ['stops', false, false],
      ['policy', false, false],
    ],
    'a new stop timeout or restart policy restarts nothing',
  );
  t.is(readFileSync(join(dir, 'same', 'restart-policy'), 'utf8'), 'delay 1\n');
  t.is(readFileSync(join(dir, 'same', 'timeout-kill'), 'utf8'), '10000\n');
  t.is(statSync(join(dir, 'same', 'timeout-kill')).mode & 0o777, 0o644);
  t.deepEqual(
    plan.replace.map((s) => s.name),
    ['gains'],
  );
  t.deepEqual(plan.unchanged, ['same']);
  t.deepEqual(plan.remove, ['gone']);
});

test('writing touches only changed files, with fixed modes; a directory keepup did not make is refused', (t) => {
  const dir = tmpDir(t, 'keepup-tree-');
  writeService(dir, service('a', 'one\n', 'log\n'));
  const run = join(dir, 'a', 'run');
  t.is(statSync(run).mode & 0o777, 0o755);
  t.is(statSync(join(dir, 'a', 'log', 'run')).mode & 0o777, 0o755);
  t.is(statSync(join(dir, 'a', '.keepup')).mode & 0o777, 0o644);
  const before = statSync(run).ino;
  writeService(dir, service('a', 'one\n', 'log\n'));
  t.is(statSync(run).ino, before);
  writeService(dir, service('a', 'two\n', 'log\n'));
  t.not(statSync(run).ino, before);
  t.is(readFileSync(run, 'utf8'), 'two\n');
  mkdirSync(join(dir, 'mine'));
  const error = t.throws(() => planTree(dir, [service('mine')]));
  t.true(isKeepupError(error) && error.exitCode === 100);
  t.regex(error.message, /^refusing to generate .*mine: it exists and keepup did not make it/);
});

test('a removed service is marked down and moved under .removed, numbered when the name is taken', (t) => {
  const dir = tmpDir(t, 'keepup-tree-');
  writeService(dir, service('a'));
  markDown(dir, 'a');
  t.is(moveOut(dir, 'a'), join(dir, '.removed', 'a'));
  t.true(existsSync(join(dir, '.removed', 'a', 'down')));
  writeService(dir, service('a'));
  t.is(moveOut(dir, 'a'), join(dir, '.removed', 'a.1'));
  t.false(existsSync(join(dir, 'a')));
  writeFileSync(join(dir, 'x'), '');
  t.deepEqual(planTree(dir, []).remove, []);
});
