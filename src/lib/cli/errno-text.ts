import {errnoCode} from '../sys/errno.js';
/**
 * djb's error strings (daemontools error_str), so our messages read exactly like the
 * real tools': `supervise: fatal: unable to chdir to x: file does not exist`.
 */
const TEXT: Record<string, string> = {
  ENOENT: 'file does not exist',
  EACCES: 'access denied',
  EPERM: 'permission denied',
  EAGAIN: 'temporary failure',
  EWOULDBLOCK: 'temporary failure',
  ENXIO: 'device not configured',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'symbolic link loop',
  EEXIST: 'file already exists',
  EINTR: 'interrupted system call',
  ENOMEM: 'out of memory',
  EIO: 'input/output error',
  ETXTBSY: 'text busy',
  EPIPE: 'broken pipe',
  ENOEXEC: 'exec format error',
  E2BIG: 'argument list too long',
  EBADF: 'file descriptor not open',
  EINVAL: 'invalid argument',
  ENOSPC: 'out of disk space',
  EROFS: 'read-only file system',
  EMFILE: 'process cannot open more files',
  ENFILE: 'system cannot open more files',
  ENAMETOOLONG: 'file name too long',
  EXDEV: 'cross-device link',
  EBUSY: 'device busy',
  ENOTEMPTY: 'directory not empty',
  EDQUOT: 'disk quota exceeded',
  ESRCH: 'no such process',
  ECHILD: 'no child processes',
  ENOLCK: 'no locks available',
  ENOSYS: 'system call not available',
  ETIMEDOUT: 'timed out',
  ECONNREFUSED: 'connection refused',
  EPROTO: 'protocol error',
  EADDRINUSE: 'address in use',
  EADDRNOTAVAIL: 'address not available',
};

/** The djb text for an errno code such as `ENOENT`; `unknown error` for anything unlisted. */
export function errnoText(code: string | undefined): string {
  return (code !== undefined && TEXT[code]) || 'unknown error';
}

/**
 * The djb text for a thrown value when it carries an errno code; else the message of one of our
 * own errors (which names what was wrong, e.g. a directory that is not private); else `unknown error`.
 */
export function errorText(error: unknown): string {
  const code = errnoCode(error);
  if (code === undefined && error instanceof Error && error.message !== '') return error.message;
  return errnoText(code);
}
