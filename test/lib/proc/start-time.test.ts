import test from 'ava';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {readFileSync} from 'node:fs';
import {readBootId, readStartTime} from '../../../src/lib/proc/start-time.js';
import {waitFor} from '../../helpers/wait-for.js';

test('start time: stable for a live process, undefined once it is a zombie or gone', async (t) => {
  const child = spawn('sleep', ['1000'], {stdio: 'ignore'});
  t.teardown(() => child.kill('SIGKILL'));
  const first = readStartTime(child.pid!);
  t.regex(first ?? '', /^[0-9]+$/);
  t.is(readStartTime(child.pid!), first);
  t.not(readStartTime(process.pid), undefined);
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  t.is(readStartTime(child.pid!), undefined);
  t.is(readStartTime(0x7ffffffe), undefined);
});

test('a zombie (exited, not yet reaped) counts as gone', async (t) => {
  // sh starts a child blocked on fd 3, then execs sleep, which never reaps it. One byte on fd 3
  // lets the child exit: a zombie for as long as sleep lives.
  const parent = spawn('sh', ['-c', 'head -c1 <&3 >/dev/null & echo $!; exec sleep 1000'], {stdio: ['ignore', 'pipe', 'ignore', 'pipe']});
  t.teardown(() => parent.kill('SIGKILL'));
  const [chunk] = (await once(parent.stdout!, 'data')) as [Buffer];
  const zombie = Number(chunk.toString().trim());
  await waitFor(() => readFileSync(`/proc/${parent.pid}/comm`, 'latin1') === 'sleep\n', 'the exec of sleep');
  t.regex(readStartTime(zombie) ?? '', /^[0-9]+$/, 'alive while blocked');
  (parent.stdio[3] as NodeJS.WritableStream).write('x');
  await waitFor(() => readFileSync(`/proc/${zombie}/stat`, 'latin1').includes(') Z '), 'the zombie state');
  t.is(readStartTime(zombie), undefined);
});

test('boot id: the kernel UUID', (t) => {
  t.regex(readBootId() ?? '', /^[0-9a-f-]{36}$/);
});
