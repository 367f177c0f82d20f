import {closeSync, constants, fstatSync, openSync, readSync, type Stats} from 'node:fs';
import {constants as osConstants} from 'node:os';
import {fsPath} from './byte-names.js';
import {errnoException, optionalProcessCall} from './native.js';

/**
 * A directory held open, so that it is found by what it is, not by its name: what daemontools'
 * supervise gets from chdir. Node has no openat(2) or fchdir(2); on Linux `/proc/self/fd/N`
 * names the directory fd N refers to, whatever has been renamed, re-pointed or removed since,
 * so `path('run')` works like `openat(N, "run")` with every `node:fs` call, synchronous or not,
 * and `path()` is a cwd for a child (libuv chdirs in the child after fork, while fd N is still
 * open there; a native spawn can fchdir to `fd` instead).
 */
const {ENOENT} = osConstants.errno;

export class HeldDirectory {
  private constructor(readonly fd: number) {}

  /**
   * Opens the directory at `path` (escaped bytes allowed, see byte-names). `follow: false`
   * refuses a symlink as the last component (ENOTDIR: O_NOFOLLOW with O_DIRECTORY). Errors are thrown as
   * node:fs throws them (ENOENT, ENOTDIR, ELOOP, EACCES, …).
   */
  static open(path: string, options: {follow?: boolean} = {}): HeldDirectory {
    const flags = constants.O_RDONLY | constants.O_DIRECTORY | (options.follow === false ? constants.O_NOFOLLOW : 0);
    return new HeldDirectory(openSync(fsPath(path), flags));
  }

  /** Another descriptor on the same directory: a held copy with its own life. */
  reopen(): HeldDirectory {
    return HeldDirectory.open(this.path());
  }

  /** `/proc/self/fd/N`, or `/proc/self/fd/N/NAME` for a name inside it (NAME may hold slashes). */
  path(name?: string): string {
    return name === undefined ? `/proc/self/fd/${this.fd}` : `/proc/self/fd/${this.fd}/${name}`;
  }

  /**
   * The first `size` bytes of the file `name` inside (never through a symlink, never waiting
   * on a FIFO), or undefined when there is no such file; other failures are thrown as node:fs
   * throws them. One call into the addon (openat, read, close) where it is loaded: an absent
   * file costs no exception.
   */
  readStart(name: string, size: number): Buffer | undefined {
    const calls = optionalProcessCall('readAt');
    if (calls) {
      const result = calls.readAt(this.fd, name, size);
      if (typeof result !== 'number') return result;
      if (result === ENOENT) return undefined;
      throw errnoException(result, `open '${this.path(name)}'`);
    }
    let fd: number;
    try {
      fd = openSync(this.path(name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const buffer = Buffer.alloc(size);
      return buffer.subarray(0, readSync(fd, buffer, 0, size, null));
    } finally {
      closeSync(fd);
    }
  }

  /** fstat(2) of the directory itself. */
  stat(): Stats {
    return fstatSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
