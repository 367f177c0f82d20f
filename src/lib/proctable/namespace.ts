import {readlinkSync} from 'node:fs';
import {join} from 'node:path';

/**
 * The pid namespace this process sees its process table in, as the kernel names it
 * (`pid:[4026531836]`, the target of /proc/self/ns/pid). Inside `unshare -p -f --mount-proc` or
 * a container the table holds only that namespace's processes, and it still lists the checker,
 * so the table alone cannot tell that the daemons outside it are missing from it.
 * Undefined where there is no such link (not Linux, or a /proc without namespaces).
 */
export function readPidNamespace(procRoot: string): string | undefined {
  try {
    const link = readlinkSync(join(procRoot, 'self', 'ns', 'pid'));
    return /^pid:\[\d+\]$/.test(link) ? link : undefined;
  } catch {
    return undefined;
  }
}
