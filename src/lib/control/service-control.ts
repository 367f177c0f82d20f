import {sendControl} from './client.js';
import {assertDirectory} from '../sys/directory.js';
import {isErrno} from '../sys/errno.js';

/** What happened when svc tried one directory; the command words it. */
export type ControlOutcome =
  {kind: 'sent'} | {kind: 'not-running'} | {kind: 'no-directory'; error: unknown} | {kind: 'unable-to-open'; error: unknown} | {kind: 'unable-to-write'; error: unknown};

/** svc's per-directory step: check DIR as chdir would, open `supervise/control`, write `commands` once. */
export function controlService(dir: string, commands: string): ControlOutcome {
  try {
    assertDirectory(dir);
  } catch (error) {
    return {kind: 'no-directory', error};
  }
  try {
    return {kind: sendControl(dir, commands)};
  } catch (error) {
    return (isErrno(error) && error.syscall === 'write') || isErrno(error, 'EAGAIN') ? {kind: 'unable-to-write', error} : {kind: 'unable-to-open', error};
  }
}

/** svc's option letters with duplicates dropped, in order of first appearance (`-uuhd` → `uhd`). */
export function uniqueCommands(letters: readonly string[]): string {
  return [...new Set(letters)].join('');
}
