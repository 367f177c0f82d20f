import {readdirSync, readlinkSync} from 'node:fs';
import type {ProcessCalls} from './native.js';

/**
 * Node marks the descriptors it inherited close-on-exec at start-up (libuv's
 * uv_disable_stdio_inheritance: fds 0–15 and any unbroken run after them), which would cut a
 * chain-loaded program off from its stdin/stdout/stderr and from descriptors its caller passed
 * on purpose (setlock's lock fd through `setlock f setuidgid u prog`). Every descriptor Node
 * inherited was inheritable (the exec into Node closed the others), so before exec this gives
 * inheritance back to everything that is not Node's own. Node's own are its event loop's
 * anonymous inodes (epoll, eventfd) and self-pipes (both ends held here), all opened
 * close-on-exec, and stay so. Returns the inheritable descriptors, in order.
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
    const own = fd > 2 && (target.startsWith('anon_inode:') || (pipeEnds.get(target) ?? 0) > 1);
    if (own) continue;
    calls.setCloexec(fd, false);
    inherited.push(fd);
  }
  return inherited.sort((a, b) => a - b);
}
