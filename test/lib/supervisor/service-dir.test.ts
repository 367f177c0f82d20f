import test from 'ava';
import {chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {ServiceDir} from '../../../src/lib/supervisor/service-dir.js';
import * as status from '../../../src/lib/status/codec.js';
import * as tai64n from '../../../src/lib/tai64n/codec.js';
import {makeService} from '../../helpers/service-dir.js';
import {tmpDir} from '../../helpers/tmp.js';

const record = {stamp: tai64n.fromUnixMs(1_700_000_000_000), pid: 77, paused: false, want: 'up' as const};
const ROOT_ONLY = [0];
const NOBODY = 65534;

/** A ServiceDir opened and locked, released at test end. */
async function locked(t: Parameters<typeof makeService>[0], dir: string): Promise<ServiceDir> {
  const files = new ServiceDir(dir);
  t.deepEqual(files.open(ROOT_ONLY), {kind: 'started'});
  t.deepEqual(await files.lock(ROOT_ONLY), {kind: 'started'});
  t.teardown(() => files.release());
  return files;
}

test('open and initial want: up, down, and the daemontools failures', (t) => {
  const {parent, dir} = makeService(t);
  const files = new ServiceDir(dir);
  t.deepEqual(files.open(ROOT_ONLY), {kind: 'started'});
  t.is(files.initialWant(), 'up');
  writeFileSync(join(dir, 'down'), '');
  t.is(files.initialWant(), 'down');
  files.release();
  t.deepEqual(new ServiceDir(join(parent, 'none')).open(ROOT_ONLY), {kind: 'failed', message: `unable to chdir to ${parent}/none: file does not exist`});
  t.deepEqual(new ServiceDir(join(dir, 'run')).open(ROOT_ONLY), {kind: 'failed', message: `unable to chdir to ${dir}/run: not a directory`});
});

test('status writes: the bytes, then daemontools warnings for open and rename failures', async (t) => {
  const {dir} = makeService(t);
  const files = await locked(t, dir);
  t.is(files.writeStatus(record), undefined);
  t.deepEqual(readFileSync(join(dir, 'supervise/status')), status.pack(record));
  mkdirSync(join(dir, 'supervise/status.new/occupied'), {recursive: true});
  t.is(files.writeStatus(record), `unable to open ${dir}/supervise/status.new: is a directory`);
  const other = makeService(t, {}, 's2').dir;
  mkdirSync(join(other, 'supervise/status/occupied'), {recursive: true});
  t.is((await locked(t, other)).writeStatus(record), `unable to rename ${other}/supervise/status.new to status: is a directory`);
});

test('previous: status and child record together, or nothing', async (t) => {
  const {dir} = makeService(t);
  const files = await locked(t, dir);
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
  files.open(ROOT_ONLY);
  t.teardown(() => files.release());
  t.is(files.timeoutKill(), undefined);
  writeFileSync(join(dir, 'timeout-kill'), ' 2500\n');
  t.deepEqual(files.timeoutKill(), {ms: 2500});
  writeFileSync(join(dir, 'timeout-kill'), '2.5s');
  t.deepEqual(files.timeoutKill(), {warning: `ignoring ${dir}/timeout-kill: not a whole number of milliseconds`});
  mkdirSync(join(dir, 'x'));
  const other = new ServiceDir(join(dir, 'x'));
  other.open(ROOT_ONLY);
  t.teardown(() => other.release());
  mkdirSync(join(dir, 'x/timeout-kill'));
  t.deepEqual(other.timeoutKill(), {warning: `unable to read ${dir}/x/timeout-kill: is a directory`});
});

test('bound to the directory, not its name: after a rename every write lands in the renamed directory', async (t) => {
  const {parent, dir} = makeService(t);
  const files = await locked(t, dir);
  renameSync(dir, join(parent, 'renamed'));
  mkdirSync(dir);
  t.is(files.writeStatus(record), undefined);
  t.deepEqual(readFileSync(join(parent, 'renamed/supervise/status')), status.pack(record));
  t.deepEqual(readdirSync(dir), [], 'nothing made under the old name');
  t.is(files.initialWant(), 'up');
  writeFileSync(join(parent, 'renamed/down'), '');
  t.is(files.initialWant(), 'down', 'down is looked up in the held directory');
});

test('a planted status.new symlink is replaced, never written through', async (t) => {
  const {dir} = makeService(t);
  const files = await locked(t, dir);
  const victim = join(tmpDir(t), 'victim');
  writeFileSync(victim, 'secret', {mode: 0o600});
  symlinkSync(victim, join(dir, 'supervise/status.new'));
  t.is(files.writeStatus(record), undefined);
  t.is(readFileSync(victim, 'utf8'), 'secret');
  t.deepEqual(readFileSync(join(dir, 'supervise/status')), status.pack(record));
  symlinkSync(victim, join(dir, 'supervise/status.new'));
  renameSync(join(dir, 'supervise/status.new'), join(dir, 'supervise/status'));
  t.is(files.writeStatus(record), undefined, 'a status symlink is replaced by the rename');
  t.false(lstatSync(join(dir, 'supervise/status')).isSymbolicLink());
  t.is(readFileSync(victim, 'utf8'), 'secret');
});

const untrusted: Array<[string, (dir: string, elsewhere: string) => void, RegExp]> = [
  ['owned by another user', (dir) => chownSync(dir, NOBODY, NOBODY), /^refusing to supervise .*s1: it is owned by uid 65534, not by uid 0$/],
  ['world-writable', (dir) => chmodSync(dir, 0o757), /^refusing to supervise .*s1: it is world-writable$/],
  ['with a supervise symlink', (dir, elsewhere) => symlinkSync(elsewhere, join(dir, 'supervise')), /^refusing to supervise .*s1: .*s1\/supervise: it is a symbolic link, not a directory$/],
  [
    'with a supervise/ owned by another user',
    (dir) => (mkdirSync(join(dir, 'supervise')), chownSync(join(dir, 'supervise'), NOBODY, NOBODY)),
    /^refusing to supervise .*s1: .*s1\/supervise: it is owned by uid 65534/,
  ],
];

for (const [what, spoil, message] of untrusted) {
  test(`a service directory ${what} is refused at open, and nothing is made in it`, (t) => {
    if (process.getuid?.() !== 0) t.fail('this test needs root (ownership checks against uid 0)');
    const {dir} = makeService(t);
    const elsewhere = tmpDir(t);
    spoil(dir, elsewhere);
    const before = readdirSync(dir).sort();
    const outcome = new ServiceDir(dir).open(ROOT_ONLY);
    t.is(outcome.kind, 'refused');
    t.regex((outcome as {message: string}).message, message);
    t.deepEqual(readdirSync(dir).sort(), before);
    t.false(existsSync(join(dir, 'supervise/lock')));
    t.deepEqual(readdirSync(elsewhere), [], 'nothing made through a supervise symlink');
  });
}

test('the child record is rewritten in place (a shorter one leaves nothing of the longer); a symlink or a hard link planted there is replaced, never written through', async (t) => {
  const {dir} = makeService(t);
  const outside = join(tmpDir(t), 'target');
  writeFileSync(outside, 'precious\n');
  mkdirSync(join(dir, 'supervise'), {mode: 0o700});
  symlinkSync(outside, join(dir, 'supervise/child'));
  const files = await locked(t, dir);
  t.is(files.writeChild({pid: 123456, startTime: '987654321', bootId: 'abc-def'}), undefined);
  t.is(readFileSync(outside, 'utf8'), 'precious\n', 'the symlink was not followed');
  t.false(lstatSync(join(dir, 'supervise/child')).isSymbolicLink());
  const inode = lstatSync(join(dir, 'supervise/child')).ino;
  t.is(files.writeChild({pid: 9, startTime: '1', bootId: 'ab'}), undefined);
  t.is(readFileSync(join(dir, 'supervise/child'), 'latin1'), '9 1 ab\n');
  t.is(lstatSync(join(dir, 'supervise/child')).ino, inode, 'the same file, written in place');
  files.release();
  // A hard link to someone else's file: a new supervisor makes a file of its own instead.
  rmSync(join(dir, 'supervise/child'));
  linkSync(outside, join(dir, 'supervise/child'));
  const again = await locked(t, dir);
  t.is(again.writeChild({pid: 5, startTime: '2', bootId: 'cd'}), undefined);
  t.is(readFileSync(outside, 'utf8'), 'precious\n', 'the linked file is untouched');
  t.is(readFileSync(join(dir, 'supervise/child'), 'latin1'), '5 2 cd\n');
});
