import {closeSync, fsyncSync, lstatSync, openSync, renameSync, unlinkSync, writeSync, constants} from 'node:fs';
import {isErrno} from './errno.js';
import {optionalProcessCall} from './native.js';

export interface AtomicWriteOptions {
  /** Creation mode of the temporary file (the umask applies). Default 0o644. */
  mode?: number;
  /** fsync the temporary file before the rename. Default false (supervise does not). */
  fsync?: boolean;
  /** Name of the temporary file. Default `PATH.new`. */
  tmpPath?: string;
  /**
   * Remove a leftover temporary file, then create it with O_EXCL|O_NOFOLLOW, so a name planted
   * there (a symlink to another file) is never written through. Default false.
   */
  exclusive?: boolean;
}

/** Which step of an atomic write failed, so callers can word their warning as daemontools does. */
export type AtomicWriteStep = 'open' | 'write' | 'rename';

export class AtomicWriteError extends Error {
  readonly step: AtomicWriteStep;
  /** True for a short write (daemontools says `partial write`, with no errno text). */
  readonly partial: boolean;
  constructor(step: AtomicWriteStep, tmpPath: string, cause: unknown, partial = false) {
    super(`atomic write failed at ${step} of ${tmpPath}`, {cause});
    this.step = step;
    this.partial = partial;
  }
}
Object.defineProperty(AtomicWriteError.prototype, 'name', {value: 'AtomicWriteError'});

/**
 * Writes `data` to `PATH.new` in one write, then renames it over PATH (supervise's announce,
 * skalibs' openwritenclose). On failure the temporary file is removed and AtomicWriteError thrown.
 */
export function writeFileAtomicSync(path: string, data: Uint8Array, options: AtomicWriteOptions = {}): void {
  const tmpPath = options.tmpPath ?? `${path}.new`;
  let fd: number;
  if (options.exclusive) removeQuietly(tmpPath);
  const flags = options.exclusive ? constants.O_EXCL | constants.O_NOFOLLOW : constants.O_TRUNC;
  try {
    fd = openSync(tmpPath, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_CREAT | flags, options.mode ?? 0o644);
  } catch (error) {
    // A directory there (unlink cannot remove it): say so, as a plain open would.
    const isDirectory = options.exclusive && isErrno(error, 'EEXIST') && lstatSync(tmpPath, {throwIfNoEntry: false})?.isDirectory();
    throw new AtomicWriteError('open', tmpPath, isDirectory ? Object.assign(new Error(`${tmpPath} is a directory`), {code: 'EISDIR'}) : error);
  }
  try {
    let written: number;
    try {
      written = writeSync(fd, data);
      if (options.fsync) fsyncSync(fd);
    } catch (error) {
      throw new AtomicWriteError('write', tmpPath, error);
    }
    if (written !== data.length) throw new AtomicWriteError('write', tmpPath, undefined, true);
  } catch (error) {
    closeSync(fd);
    removeQuietly(tmpPath);
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(tmpPath, path);
  } catch (error) {
    removeQuietly(tmpPath);
    throw new AtomicWriteError('rename', tmpPath, error);
  }
}

/**
 * Replaces the contents of `name` in the held directory `dirFd` (whose path is `dirPath`) for
 * every reader at once, as writeFileAtomicSync with `exclusive` does, at a fraction of its cost
 * on ext4: the data goes into the regular file `NAME.new`, which then trades places with NAME
 * (renameat2 RENAME_EXCHANGE), so the old contents become the next write's `NAME.new`. A
 * create-and-rename on ext4 writes the new file's data out before the rename (auto_da_alloc),
 * ~80 us against ~4 us. `NAME.new` stays in the directory. Without the addon's call, when
 * `NAME.new` is not a plain file of this user, and on any failure, the exclusive
 * create-and-rename runs instead (and throws its AtomicWriteError).
 *
 * What readers see: a reader that opens NAME reads the whole of one write; only a reader that
 * keeps NAME open across a whole further write and reads during the next one could see a
 * mixture (daemontools' readers, svstat and svok, open, read and close at once).
 */
export function exchangeFileSync(dirFd: number, dirPath: string, name: string, data: Uint8Array, options: {mode?: number} = {}): void {
  const calls = optionalProcessCall('exchangeWrite');
  const mode = options.mode ?? 0o644;
  if (calls && calls.exchangeWrite(dirFd, name, `${name}.new`, Buffer.from(data.buffer, data.byteOffset, data.byteLength), mode) === 0) return;
  writeFileAtomicSync(`${dirPath}/${name}`, data, {exclusive: true, mode});
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
