import test from 'ava';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {optionalProcessCall} from '../../../src/lib/sys/native.js';
import {join} from 'node:path';
import {HeldDirectory} from '../../../src/lib/sys/held-directory.js';
import {mkfifoSync} from '../../../src/lib/sys/mkfifo.js';
import {tmpDir} from '../../helpers/tmp.js';

test('paths through a held directory follow the directory, not its name', (t) => {
  const root = tmpDir(t);
  const dir = join(root, 'a');
  mkdirSync(dir);
  const held = HeldDirectory.open(dir);
  t.teardown(() => held.close());
  renameSync(dir, join(root, 'b'));
  mkdirSync(dir);
  writeFileSync(held.path('file'), 'x');
  t.is(readFileSync(join(root, 'b/file'), 'utf8'), 'x');
  mkfifoSync([held.path('fifo')]);
  t.true(statSync(join(root, 'b/fifo')).isFIFO(), 'mkfifo goes through /proc/self/fd too');
  t.is(held.reopen().stat().ino, statSync(join(root, 'b')).ino);
});

test("a held directory is a child's cwd, even after its name is gone", async (t) => {
  const root = tmpDir(t);
  const dir = join(root, 'a');
  mkdirSync(dir);
  const held = HeldDirectory.open(dir);
  t.teardown(() => held.close());
  renameSync(dir, join(root, 'moved'));
  const child = spawn('/bin/pwd', ['-P'], {cwd: held.path(), stdio: ['ignore', 'pipe', 'inherit']});
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  t.is(code, 0);
  t.is(out.trim(), join(root, 'moved'));
});

test('follow: false refuses a symlink; a removed directory stays usable for reading its fd', (t) => {
  const root = tmpDir(t);
  mkdirSync(join(root, 'real'));
  symlinkSync(join(root, 'real'), join(root, 'link'));
  t.is(t.throws<NodeJS.ErrnoException>(() => HeldDirectory.open(join(root, 'link'), {follow: false})).code, 'ENOTDIR');
  const followed = HeldDirectory.open(join(root, 'link'));
  t.teardown(() => followed.close());
  t.is(followed.stat().ino, statSync(join(root, 'real')).ino);
  rmSync(join(root, 'link'));
  t.true(followed.stat().isDirectory());
});

test('readStart reads the start of a file inside; absent is undefined; never through a symlink, never waiting on a FIFO', (t) => {
  t.truthy(optionalProcessCall('readAt'), 'the addon is loaded: this is its path');
  const dir = tmpDir(t);
  writeFileSync(join(dir, 'policy'), 'restart: 5\n');
  writeFileSync(join(dir, 'secret'), 'no');
  symlinkSync(join(dir, 'secret'), join(dir, 'link'));
  mkfifoSync([join(dir, 'fifo')], 0o600);
  const held = HeldDirectory.open(dir);
  t.teardown(() => held.close());
  t.is(held.readStart('policy', 4096)?.toString(), 'restart: 5\n');
  t.is(held.readStart('policy', 4)?.toString(), 'rest');
  t.is(held.readStart('missing', 64), undefined);
  t.throws(() => held.readStart('link', 64), {code: 'ELOOP'});
  t.throws(() => held.readStart('.', 64), {code: 'EISDIR'});
  // A FIFO with no writer reads as empty at once (O_NONBLOCK), instead of hanging the caller.
  t.is(held.readStart('fifo', 64)?.length, 0);
  // Bound to the directory: after a rename the held one is still read.
  renameSync(dir, `${dir}-moved`);
  t.teardown(() => renameSync(`${dir}-moved`, dir));
  t.is(held.readStart('policy', 64)?.toString(), 'restart: 5\n');
});
