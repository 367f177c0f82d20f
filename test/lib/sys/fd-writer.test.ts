// writeStdio: the short-lived commands' write(2) to stdout/stderr without Node's stream. Run in
// a real child whose stdout is a pipe: a blocking one gets everything in order; a non-blocking
// one (its description shared with a process that set O_NONBLOCK) that fills up hands the rest
// to Node's stream, and nothing is lost or reordered.
import test from 'ava';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {closeSync, constants, openSync, writeSync} from 'node:fs';
import {Socket} from 'node:net';
import {join} from 'node:path';
import {mkfifoSync} from '../../../src/lib/sys/mkfifo.js';
import {ROOT} from '../../helpers/paths.js';
import {tmpDir} from '../../helpers/tmp.js';
import {mainThread, waitsFor} from '../../helpers/inspector.js';
import {PATIENT, waitFor} from '../../helpers/wait-for.js';

const WRITER = join(ROOT, 'compiled', 'src', 'lib', 'sys', 'fd-writer.js');
// Once told to (a byte on stdin), three writes: a large one that cannot fit a full pipe, then two
// small ones that must follow it.
const SCRIPT = `import {readSync} from 'node:fs'; import {writeStdio} from ${JSON.stringify(WRITER)}; readSync(0, Buffer.alloc(1)); writeStdio(1, 'a'.repeat(200000)); writeStdio(1, 'b\\n'); writeStdio(1, Buffer.from('c\\n'));`;
const EXPECTED = 'a'.repeat(200000) + 'b\nc\n';

async function runWith(t: import('ava').ExecutionContext, nonblocking: boolean): Promise<{code: number | null; output: string}> {
  const fifo = join(tmpDir(t, 'keepup-fd-writer-'), 'out');
  mkfifoSync([fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY);
  // Full before the child starts (through a description of its own), so its first write(2) cannot complete at once.
  const filler = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    for (;;) writeSync(filler, Buffer.alloc(4096, 0x2e));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
  }
  closeSync(filler);
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {stdio: ['pipe', writer, 'inherit']});
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  // libuv makes a child's stdio blocking as it starts it; a libuv pipe handle on our copy of
  // the same description makes it non-blocking again, for the child too.
  if (nonblocking) new Socket({fd: writer, readable: false, writable: true}).destroy();
  else closeSync(writer);
  child.stdin!.end('go');
  // Nothing is read until the child has met the full pipe: it waits in write(2) (blocking) or for
  // room in epoll (the stream, non-blocking), or it has died of EAGAIN.
  const stuck = () => child.exitCode !== null || waitsFor(child.pid!, ['1'], 0x4) || /pipe_write$/.test(mainThread(child.pid!).wchan);
  await waitFor(stuck, 'the child to meet the full pipe', PATIENT);
  const chunks: Buffer[] = [];
  const socket = new Socket({fd: reader, readable: true, writable: false});
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const [[code]] = await Promise.all([once(child, 'exit') as Promise<[number | null]>, once(socket, 'end')]);
  return {code, output: Buffer.concat(chunks).toString('latin1').replace(/^\.+/, '')};
}

test('writeStdio on a blocking pipe: every byte, in order', async (t) => {
  const {code, output} = await runWith(t, false);
  t.is(code, 0);
  t.is(output.length, EXPECTED.length);
  t.true(output === EXPECTED);
});

test('writeStdio on a full non-blocking pipe: the rest goes through the stream, nothing lost or reordered', async (t) => {
  const {code, output} = await runWith(t, true);
  t.is(code, 0);
  t.is(output.length, EXPECTED.length);
  t.true(output === EXPECTED);
});
