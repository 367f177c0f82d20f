import {closeSync, constants, fstatSync, openSync, type Stats} from 'node:fs';
import {fsPath} from './byte-names.js';

/**
 * A directory held open, so that it is found by what it is, not by its name: what daemontools'
 * supervise gets from chdir. Node has no openat(2) or fchdir(2); on Linux `/proc/self/fd/N`
 * names the directory fd N refers to, whatever has been renamed, re-pointed or removed since,
 * so `path('run')` works like `openat(N, "run")` with every `node:fs` call, synchronous or not,
 * and `path()` is a cwd for a child (libuv chdirs in the child after fork, while fd N is still
 * open there; a native spawn can fchdir to `fd` instead).
 */
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

  /** fstat(2) of the directory itself. */
  stat(): Stats {
    return fstatSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
