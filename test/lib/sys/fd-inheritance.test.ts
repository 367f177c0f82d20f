import test from 'ava';
import {mkdirSync, symlinkSync} from 'node:fs';
import {join} from 'node:path';
import {restoreInheritance} from '../../../src/lib/sys/fd-inheritance.js';
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
