import {takeLauncherEnvironment} from '../sys/launcher.js';
import {loadProcessCalls, type ProcessCalls} from '../sys/native.js';

/**
 * The process calls for a chain-loader, after undoing what its start-up changed in this
 * process that a program exec'd from it would otherwise inherit: Node raises the open-files
 * soft limit to the hard limit (the launcher hands over the old value, see sys/launcher.ts),
 * and the launcher's /bin/sh sets PWD. Node also resets signal dispositions and marks
 * inherited fds close-on-exec: pathexec undoes those.
 */
export function chainloadCalls(env: NodeJS.ProcessEnv = process.env): ProcessCalls {
  const calls = loadProcessCalls();
  const started = takeLauncherEnvironment(env);
  restoreOpenFilesLimit(calls, typeof started === 'bigint' ? String(started) : undefined);
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
