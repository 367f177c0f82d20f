import {readFileSync, readdirSync, readlinkSync} from 'node:fs';
import {dirname, join} from 'node:path';
import type {ProcessCalls} from './native.js';

/**
 * Node marks the descriptors it inherited close-on-exec at start-up (libuv's
 * uv_disable_stdio_inheritance: fds 0–15 and any unbroken run after them), which would cut a
 * chain-loaded program off from its stdin/stdout/stderr and from descriptors its caller passed
 * on purpose (setlock's lock fd through `setlock f setuidgid u prog`). Every descriptor Node
 * inherited was inheritable (the exec into Node closed the others), so before exec this gives
 * inheritance back to everything that is not Node's own. Node's own are its event loop's
 * anonymous inodes (epoll, eventfd) and self-pipes (both ends held here), all opened
 * close-on-exec, and stay so; so does libuv's reserve descriptor (Node 22 and later): /dev/null
 * opened read-only when the first stream is set up, before keepup's code runs, held to survive
 * EMFILE. A caller's own read-only /dev/null above fd 2 looks the same and is not passed on
 * either (daemontools would pass it). Returns the inheritable descriptors, in order.
 */
export function restoreInheritance(calls: Pick<ProcessCalls, 'setCloexec'>, fdDir = '/proc/self/fd'): number[] {
  const targets = new Map<number, string>();
  for (const name of readdirSync(fdDir)) {
    try {
      targets.set(Number(name), readlinkSync(`${fdDir}/${name}`));
    } catch {
      // the directory's own fd, closed by now
    }
  }
  const pipeEnds = new Map<string, number>();
  for (const [fd, target] of targets) if (fd > 2 && target.startsWith('pipe:')) pipeEnds.set(target, (pipeEnds.get(target) ?? 0) + 1);
  const inherited: number[] = [];
  for (const [fd, target] of targets) {
    const own = fd > 2 && (target.startsWith('anon_inode:') || (pipeEnds.get(target) ?? 0) > 1 || (target === '/dev/null' && readOnly(fd, fdDir)));
    if (own) continue;
    calls.setCloexec(fd, false);
    inherited.push(fd);
  }
  return inherited.sort((a, b) => a - b);
}

const O_ACCMODE = 0o3;
const O_NONBLOCK = 0o4000;

/** The open flags of `fd` (octal in /proc/self/fdinfo/FD, beside `fdDir`), or undefined. */
function openFlags(fd: number, fdDir: string): number | undefined {
  try {
    const value = /^flags:\s*([0-7]+)$/m.exec(readFileSync(join(dirname(fdDir), 'fdinfo', String(fd)), 'latin1'))?.[1];
    return value === undefined ? undefined : parseInt(value, 8);
  } catch {
    return undefined;
  }
}

function readOnly(fd: number, fdDir: string): boolean {
  const flags = openFlags(fd, fdDir);
  return flags !== undefined && (flags & O_ACCMODE) === 0;
}

/**
 * Puts stdin, stdout and stderr back in blocking mode. Node sets O_NONBLOCK on a stdio pipe or
 * socket at start-up (Node 24 on stderr before keepup's code runs), and the flag belongs to the
 * open file description the exec'd program shares: programs, and daemontools', expect blocking
 * stdio (a write would fail with EAGAIN). Returns the descriptors changed.
 */
export function restoreStdioBlocking(calls: Pick<ProcessCalls, 'setNonblocking'>, fdDir = '/proc/self/fd'): number[] {
  const changed: number[] = [];
  for (const fd of [0, 1, 2]) {
    const flags = openFlags(fd, fdDir);
    if (flags !== undefined && (flags & O_NONBLOCK) !== 0 && calls.setNonblocking(fd, false) === 0) changed.push(fd);
  }
  return changed;
}
