import {loadProcessCalls, type ProcessCalls} from '../sys/native.js';

/**
 * The environment variables in which the chain-loaders' launcher (see scripts/build.mjs) hands
 * over the open-files soft limit the command was started with, before Node raised it, and the
 * caller's PWD (empty when it had none), before /bin/sh exported its own.
 */
export const NOFILE_VARIABLE = 'KEEPUP_NOFILE';
export const PWD_VARIABLE = 'KEEPUP_PWD';

/**
 * The process calls for a chain-loader, after undoing what its start-up changed in this
 * process that a program exec'd from it would otherwise inherit: Node raises the open-files
 * soft limit to the hard limit, and the kernel keeps no record of the old value, so the
 * launcher passes it in NOFILE_VARIABLE; the launcher's /bin/sh sets PWD. Both variables are
 * removed, so the program never sees them. Node also resets signal dispositions and marks
 * inherited fds close-on-exec: pathexec undoes those.
 */
export function chainloadCalls(env: NodeJS.ProcessEnv = process.env): ProcessCalls {
  const calls = loadProcessCalls();
  const started = env[NOFILE_VARIABLE];
  if (started !== undefined) {
    const pwd = env[PWD_VARIABLE];
    if (pwd === undefined || pwd === '') delete env.PWD;
    else env.PWD = pwd;
  }
  delete env[NOFILE_VARIABLE];
  delete env[PWD_VARIABLE];
  restoreOpenFilesLimit(calls, started);
  return calls;
}

/** Lowers the NOFILE soft limit back to `started` (a decimal or `unlimited`); other text is ignored. */
export function restoreOpenFilesLimit(calls: Pick<ProcessCalls, 'getrlimit' | 'setrlimit' | 'RLIMIT_NOFILE'>, started: string | undefined): void {
  if (started === undefined || !/^[0-9]{1,20}$/.test(started)) return;
  const own = calls.getrlimit(calls.RLIMIT_NOFILE);
  if (typeof own === 'number') return;
  const [soft, hard] = own;
  const wanted = BigInt(started);
  if (wanted < soft) calls.setrlimit(calls.RLIMIT_NOFILE, wanted, hard);
}
