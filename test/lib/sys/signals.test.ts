import test from 'ava';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {sendSignal} from '../../../src/lib/sys/signals.js';
import {PATIENT, waitFor} from '../../helpers/wait-for.js';

test('sendSignal refuses 0, 1, negatives and non-integers without a system call (signal 0 would succeed on each)', (t) => {
  // kill(0, 0), kill(1, 0) and kill(-1, 0) all succeed as root, so a `true` here means the call was made.
  for (const pid of [0, -0, 1, -1, -7, 1.5, Number.NaN, undefined]) {
    t.false(sendSignal(pid, 0), `pid ${String(pid)}`);
    t.false(sendSignal(pid, 0, true), `group of ${String(pid)}`);
  }
  t.true(sendSignal(process.pid, 0), 'a real pid is signalled');
});

test('sendSignal reaches a process, and with group its whole process group', async (t) => {
  const leader = spawn('sh', ['-c', 'sleep 1000 & wait'], {detached: true, stdio: 'ignore'});
  t.teardown(() => {
    try {
      process.kill(-leader.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  });
  const exited = once(leader, 'exit');
  t.true(sendSignal(leader.pid, 'SIGTERM', true));
  const [, signal] = (await exited) as [number | null, string | null];
  t.is(signal, 'SIGTERM');
  // The sleep got TERM too: once it is reaped the group is empty (while a zombie, kill(0) still finds it).
  await waitFor(() => !sendSignal(leader.pid, 0, true), 'the whole group to be gone', PATIENT);
  t.false(sendSignal(leader.pid, 0, true));
});

test('sendSignal with group reaches a process that leads no group (yet): the process alone', async (t) => {
  // Not detached: the child is in this process's group, so no group has its pid as id.
  const child = spawn('sleep', ['1000'], {stdio: 'ignore'});
  t.teardown(() => child.kill('SIGKILL'));
  const exited = once(child, 'exit');
  t.true(sendSignal(child.pid, 'SIGTERM', true));
  const [, signal] = (await exited) as [number | null, string | null];
  t.is(signal, 'SIGTERM');
});
