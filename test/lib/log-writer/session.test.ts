import test from 'ava';
import {closeSync, constants, openSync, readFileSync, readSync, writeFileSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import {LogSession} from '../../../src/lib/log-writer/session.js';
import {openChunkReader} from '../../../src/lib/sys/fd-reader.js';
import {mkfifoSync} from '../../../src/lib/sys/mkfifo.js';
import {openTestWriter} from '../../helpers/log-writer.js';
import {tmpDir} from '../../helpers/tmp.js';
import {waitFor} from '../../helpers/wait-for.js';

const NONBLOCK_READ = constants.O_RDONLY | constants.O_NONBLOCK;

/** A real FIFO: the session's read end, our write end, and a second read end to collect leftovers. */
function fifo(dir: string) {
  const path = join(dir, 'pipe');
  mkfifoSync([path], 0o600);
  const read = openSync(path, NONBLOCK_READ);
  const write = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  const spare = openSync(path, NONBLOCK_READ);
  return {read, write, spare};
}

function leftover(fd: number): string {
  const buffer = Buffer.alloc(4096);
  try {
    return buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, null));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return '';
    throw error;
  }
}

test('stop() mid-line finishes the line one byte at a time and leaves the rest in the pipe', async (t) => {
  const cwd = tmpDir(t);
  const pipe = fifo(cwd);
  const {writer} = await openTestWriter(cwd, ['./log']);
  const session = new LogSession(openChunkReader(pipe.read), writer);
  const running = session.run();
  const current = join(cwd, 'log/current');
  writeSync(pipe.write, 'first\npartial-');
  await waitFor(() => readFileSync(current, 'latin1') === 'first\n', 'the first line');
  session.stop();
  writeSync(pipe.write, 'rest-of-line\nnext line\n');
  await running;
  t.is(readFileSync(current, 'latin1'), 'first\npartial-rest-of-line\n');
  t.is(leftover(pipe.spare), 'next line\n');
  closeSync(pipe.write);
  closeSync(pipe.spare);
});

test('stop() at a line boundary ends at once without more input', async (t) => {
  const cwd = tmpDir(t);
  const pipe = fifo(cwd);
  const {writer} = await openTestWriter(cwd, ['./log']);
  const session = new LogSession(openChunkReader(pipe.read), writer);
  const running = session.run();
  writeSync(pipe.write, 'whole\n');
  await waitFor(() => readFileSync(join(cwd, 'log/current'), 'latin1') === 'whole\n', 'the line');
  session.stop();
  await running;
  writeSync(pipe.write, 'unread\n');
  t.is(leftover(pipe.spare), 'unread\n');
  closeSync(pipe.write);
  closeSync(pipe.spare);
});

test("reopen: the caller's pipe fd stays open after the session, for the next logger", async (t) => {
  const cwd = tmpDir(t);
  const pipe = fifo(cwd);
  for (const round of ['one', 'two']) {
    const {writer} = await openTestWriter(cwd, ['./log']);
    const session = new LogSession(openChunkReader(pipe.read, {reopen: true}), writer);
    const running = session.run();
    writeSync(pipe.write, `${round}\n`);
    await waitFor(() => readFileSync(join(cwd, 'log/current'), 'latin1').endsWith(`${round}\n`), `line ${round}`);
    session.stop();
    await running;
  }
  t.is(readFileSync(join(cwd, 'log/current'), 'latin1'), 'one\ntwo\n');
  writeSync(pipe.write, 'left\n');
  t.is(leftover(pipe.read), 'left\n', 'the original fd is still open and readable');
  for (const fd of [pipe.read, pipe.write, pipe.spare]) closeSync(fd);
});

test('a regular file as input is read to the end, rotations on request included', async (t) => {
  const cwd = tmpDir(t);
  const file = join(cwd, 'input');
  writeFileSync(file, 'a\n'.repeat(50_000) + 'tail');
  const fd = openSync(file, 'r');
  t.teardown(() => closeSync(fd));
  const {writer} = await openTestWriter(cwd, ['s100000', './log']);
  const session = new LogSession(openChunkReader(fd, {chunkSize: 4096}), writer);
  await session.run();
  const {readdirSync} = await import('node:fs');
  const names = readdirSync(join(cwd, 'log'))
    .filter((name) => name.startsWith('@'))
    .sort();
  const logged = names.map((name) => readFileSync(join(cwd, 'log', name), 'latin1')).join('') + readFileSync(join(cwd, 'log/current'), 'latin1');
  t.is(logged, 'a\n'.repeat(50_000) + 'tail\n');
  t.is(names.length, 1);
});
