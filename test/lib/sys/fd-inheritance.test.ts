import test from 'ava';
import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {restoreInheritance, restoreStdioBlocking} from '../../../src/lib/sys/fd-inheritance.js';
import {tmpDir} from '../../helpers/tmp.js';

test("restoreInheritance clears close-on-exec on stdio and inherited files, not on Node's epoll, eventfd and self-pipes", (t) => {
  const fdDir = join(tmpDir(t), 'fd');
  mkdirSync(fdDir);
  const links: Record<string, string> = {
    0: '/dev/null',
    1: 'pipe:[10]',
    2: 'pipe:[10]',
    3: '/var/lock/x',
    4: 'anon_inode:[eventpoll]',
    5: 'pipe:[11]',
    6: 'pipe:[11]',
    7: 'anon_inode:[eventfd]',
    8: 'pipe:[12]',
    9: 'socket:[13]',
  };
  for (const [fd, target] of Object.entries(links)) symlinkSync(target, join(fdDir, fd));
  const cleared: number[] = [];
  restoreInheritance({setCloexec: (fd, on) => (t.false(on), cleared.push(fd), 0)}, fdDir);
  t.deepEqual(
    cleared.sort((a, b) => a - b),
    [0, 1, 2, 3, 8, 9],
  );
});

function fakeProc(t: Parameters<typeof tmpDir>[0], fds: Record<string, [string, string]>): string {
  const root = tmpDir(t);
  mkdirSync(join(root, 'fd'));
  mkdirSync(join(root, 'fdinfo'));
  for (const [fd, [target, flags]] of Object.entries(fds)) {
    symlinkSync(target, join(root, 'fd', fd));
    writeFileSync(join(root, 'fdinfo', fd), `pos:\t0\nflags:\t${flags}\nmnt_id:\t1\n`);
  }
  return join(root, 'fd');
}

test("libuv's reserve /dev/null (read-only, above fd 2) stays close-on-exec; a /dev/null opened for writing is passed on", (t) => {
  const fdDir = fakeProc(t, {0: ['/dev/null', '0100000'], 1: ['pipe:[1]', '01'], 2: ['pipe:[1]', '04001'], 21: ['/dev/null', '02100000'], 22: ['/dev/null', '02100002']});
  const cleared: number[] = [];
  restoreInheritance({setCloexec: (fd) => (cleared.push(fd), 0)}, fdDir);
  t.deepEqual(
    cleared.sort((a, b) => a - b),
    [0, 1, 2, 22],
  );
});

test('restoreStdioBlocking clears O_NONBLOCK on the stdio descriptors that have it, and only there', (t) => {
  const fdDir = fakeProc(t, {0: ['/dev/null', '0100000'], 1: ['pipe:[1]', '04001'], 2: ['socket:[2]', '04002'], 3: ['pipe:[3]', '04000']});
  const calls: Array<[number, boolean]> = [];
  t.deepEqual(restoreStdioBlocking({setNonblocking: (fd, on) => (calls.push([fd, on]), 0)}, fdDir), [1, 2]);
  t.deepEqual(calls, [
    [1, false],
    [2, false],
  ]);
});
