import {restoreStartedOpenFiles} from '../limits/open-files.js';
import {loadProcessCalls, type ProcessCalls} from '../sys/native.js';

/**
 * The process calls for a chain-loader, after undoing what its start-up changed in this
 * process that a program exec'd from it would otherwise inherit: Node raises the open-files
 * soft limit to the hard limit (the launcher hands over the old value, see limits/open-files.ts),
 * and the launcher's /bin/sh sets PWD. Node also resets signal dispositions and marks
 * inherited fds close-on-exec: pathexec undoes those.
 */
export function chainloadCalls(env: NodeJS.ProcessEnv = process.env): ProcessCalls {
  const calls = loadProcessCalls();
  restoreStartedOpenFiles(calls, env);
  return calls;
}
