import test from 'ava';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {hasExited, parseProcStat, readProcStat} from '../../../src/lib/proc/stat.js';
import {waitFor} from '../../helpers/wait-for.js';

// Fields 3 to 22 of a real line, with a name that holds spaces and parentheses.
const LINE = '4242 (a) b) (c) S 17 4243 99 34816 4243 4194560 120 0 0 0 1 2 0 0 20 0 1 0 18446744073709551615 2482176 180 18446744073709551615\n';

test('stat fields are counted after the last parenthesis, whatever the name holds', (t) => {
  t.deepEqual(parseProcStat(LINE), {pid: 4242, comm: 'a) b) (c', state: 'S', ppid: 17, pgrp: 4243, session: 99, startTime: '18446744073709551615'});
  t.deepEqual(parseProcStat('1 (init) S 0 1 1 0 -1'), {pid: 1, comm: 'init', state: 'S', ppid: 0, pgrp: 1, session: 1, startTime: undefined});
  t.true(hasExited(parseProcStat('9 (dead) Z 1 9 9 0 -1')!));
  t.true(hasExited(parseProcStat('9 (dead) X 1 9 9 0 -1')!));
  t.false(hasExited(parseProcStat('9 (d) D 1 9 9 0 -1')!));
  for (const bad of ['garbage', '1 (x) S', '1 (x) S 1 2', '1 (x)  1 2 3', 'x (y) S 1 2 3', '1 (x) S 1 two 3']) t.is(parseProcStat(bad), undefined, bad);
});

test('this process and a child as the kernel shows them; a vanished one is ENOENT', async (t) => {
  const own = readProcStat(process.pid)!;
  t.like(own, {pid: process.pid, ppid: process.ppid, state: 'R'});
  t.regex(own.startTime ?? '', /^[0-9]+$/);
  const child = spawn('sleep', ['1000'], {stdio: 'ignore', detached: true});
  t.teardown(() => child.kill('SIGKILL'));
  // Sleeping (S) once it has exec'd sleep and gone to sleep; it may still be running just after the exec.
  const sleeping = await waitFor(() => {
    const stat = readProcStat(child.pid!);
    return stat?.comm === 'sleep' && stat.state === 'S' ? stat : undefined;
  }, 'sleep to be asleep');
  t.like(sleeping, {pid: child.pid, ppid: process.pid, pgrp: child.pid, session: child.pid});
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  t.throws(() => readProcStat(child.pid!), {code: 'ENOENT'});
});
