import {spawnSync} from 'node:child_process';
import {lstatSync} from 'node:fs';
import {constants} from 'node:os';
import {errnoException, optionalProcessCall} from './native.js';
import {isErrno} from './errno.js';

/**
 * Creates FIFOs (Node has no mkfifo(2)) for every path that does not exist yet; existing paths,
 * symlinks included, are left alone (daemontools ignores EEXIST, and mkfifo never follows a
 * symlink). keepup's addon makes them in this process, so paths may go through
 * `/proc/self/fd/N` (a held directory); where the addon lacks the call, one `mkfifo` run takes
 * them all, with `/proc/self/` spelt as this process's pid. Throws an Error with the errno code
 * of the first path that could not be made (ENOENT, EACCES, …) so callers can word it.
 */
export function mkfifoSync(paths: readonly string[], mode = 0o600): void {
  const missing = paths.filter((path) => !exists(path));
  const native = optionalProcessCall('mkfifo');
  if (native) {
    for (const path of missing) {
      const errno = native.mkfifo(path, mode);
      if (errno !== 0 && !(errno === EEXIST && exists(path))) throw Object.assign(errnoException(errno, `mkfifo ${path}`), {path});
    }
    return;
  }
  // Batches keep each command line far below ARG_MAX, whatever the number of services.
  for (let start = 0; start < missing.length; start += BATCH) makeBatch(missing.slice(start, start + BATCH), mode);
}

const BATCH = 1000;
const {EEXIST} = constants.errno;

function makeBatch(missing: readonly string[], mode: number): void {
  const own = (path: string) => path.replace(/^\/proc\/self\//, `/proc/${process.pid}/`);
  const result = spawnSync('mkfifo', ['-m', mode.toString(8), '--', ...missing.map(own)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  if (result.status === 0) return;
  for (const path of missing) {
    if (!exists(path)) throw errnoFromMkfifo(path, result.stderr);
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}

const MKFIFO_ERRORS: Array<[RegExp, string]> = [
  [/No such file or directory/, 'ENOENT'],
  [/Permission denied/, 'EACCES'],
  [/Read-only file system/, 'EROFS'],
  [/No space left/, 'ENOSPC'],
  [/Not a directory/, 'ENOTDIR'],
  [/File exists/, 'EEXIST'],
  [/Operation not permitted/, 'EPERM'],
];

function errnoFromMkfifo(path: string, stderr: string): NodeJS.ErrnoException {
  const code = MKFIFO_ERRORS.find(([pattern]) => pattern.test(stderr))?.[1] ?? 'EIO';
  const error: NodeJS.ErrnoException = new Error(`mkfifo ${path}: ${stderr.trim()}`);
  error.code = code;
  error.path = path;
  return error;
}
