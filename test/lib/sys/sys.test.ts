import test from 'ava';
import {closeSync, constants, existsSync, linkSync, openSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {flockExclusive, flockExclusiveSync, lockFile, lockFileSync} from '../../../src/lib/sys/flock.js';
import {mkfifoSync} from '../../../src/lib/sys/mkfifo.js';
import {AtomicWriteError, writeFileAtomicSync} from '../../../src/lib/sys/fs-atomic.js';
import {run} from '../../helpers/processes.js';
import {tmpDir} from '../../helpers/tmp.js';

test('mkfifo makes FIFOs with the mode, leaves existing paths, reports ENOENT', (t) => {
  const dir = tmpDir(t);
  const a = join(dir, 'a');
  writeFileSync(join(dir, 'b'), 'keep');
  mkfifoSync([a, join(dir, 'b')], 0o600);
  t.true(statSync(a).isFIFO());
  t.is(statSync(a).mode & 0o777, 0o600);
  t.is(readFileSync(join(dir, 'b'), 'utf8'), 'keep');
  const error = t.throws(() => mkfifoSync([join(dir, 'no', 'c')]));
  t.is((error as NodeJS.ErrnoException).code, 'ENOENT');
});

test('flock excludes a second holder and the real flock(1) sees it', async (t) => {
  const dir = tmpDir(t);
  const path = join(dir, 'lock');
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
  t.teardown(() => closeSync(fd));
  t.is(flockExclusiveSync(fd, {nonblocking: true}), 'locked');
  const other = openSync(path, constants.O_WRONLY);
  t.teardown(() => closeSync(other));
  t.is(flockExclusiveSync(other, {nonblocking: true}), 'busy');
  t.is(await flockExclusive(other, {nonblocking: true}), 'busy');
  const outside = await run('flock', ['-x', '-n', '-E', '42', path, 'true']);
  t.is(outside.code, 42);
});

test('flock is released when the holding fd is closed', (t) => {
  const dir = tmpDir(t);
  const path = join(dir, 'lock');
  const first = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o600);
  t.is(flockExclusiveSync(first, {nonblocking: true}), 'locked');
  closeSync(first);
  const second = openSync(path, constants.O_WRONLY);
  t.teardown(() => closeSync(second));
  t.is(flockExclusiveSync(second, {nonblocking: true}), 'locked');
});

function readlinkOrNone(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

test('lockFile opens, locks, and leaves no descriptor open unless it holds the lock', async (t) => {
  const dir = tmpDir(t);
  const path = join(dir, 'lock');
  const openFds = () => readdirSync('/proc/self/fd').filter((fd) => readlinkOrNone(`/proc/self/fd/${fd}`) === path).length;
  const options = {flags: constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, mode: 0o640, nonblocking: true};
  const first = lockFileSync(path, options);
  if (first.kind !== 'locked') return t.fail(`not locked: ${first.kind}`);
  t.is(statSync(path).mode & 0o777, 0o640);
  t.is(openFds(), 1);
  t.deepEqual(lockFileSync(path, options), {kind: 'busy'});
  t.deepEqual(await lockFile(path, options), {kind: 'busy'});
  t.is(openFds(), 1);
  const missing = await lockFile(join(dir, 'no', 'lock'), options);
  t.like(missing, {kind: 'failed', step: 'open', error: {code: 'ENOENT'}});
  t.is(openFds(), 1);
  const outside = await run('flock', ['-x', '-n', '-E', '42', path, 'true']);
  t.is(outside.code, 42);
  closeSync(first.fd);
  const again = await lockFile(path, options);
  t.is(again.kind, 'locked');
  if (again.kind === 'locked') closeSync(again.fd);
});

test('atomic write replaces the file and leaves no .new behind; failures name the step', (t) => {
  const dir = tmpDir(t);
  const path = join(dir, 'status');
  writeFileAtomicSync(path, Buffer.from('one'));
  writeFileAtomicSync(path, Buffer.from('two'), {mode: 0o600});
  t.is(readFileSync(path, 'utf8'), 'two');
  t.false(existsSync(`${path}.new`));
  const error = t.throws(() => writeFileAtomicSync(join(dir, 'missing', 'status'), Buffer.from('x')), {instanceOf: AtomicWriteError});
  t.is(error?.step, 'open');
});

test('exclusive atomic write never writes through a planted .new: symlink, hard link or FIFO there is replaced', (t) => {
  const dir = tmpDir(t);
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'secret', {mode: 0o600});
  const path = join(dir, 'status');
  symlinkSync(victim, `${path}.new`);
  writeFileAtomicSync(path, Buffer.from('one'), {exclusive: true});
  linkSync(victim, `${path}.new`);
  writeFileAtomicSync(path, Buffer.from('two'), {exclusive: true});
  mkfifoSync([`${path}.new`]);
  writeFileAtomicSync(path, Buffer.from('three'), {exclusive: true});
  t.is(readFileSync(victim, 'utf8'), 'secret');
  t.is(readFileSync(path, 'utf8'), 'three');
  t.false(existsSync(`${path}.new`));
});

test('mkfifo makes thousands of FIFOs in batches', (t) => {
  const dir = tmpDir(t);
  const paths = Array.from({length: 2500}, (_, i) => join(dir, `fifo-with-a-longish-name-${i}`));
  mkfifoSync(paths);
  t.true(paths.every((path) => statSync(path).isFIFO()));
});
