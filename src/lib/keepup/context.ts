import type {EventEmitter} from 'node:events';
import {resolve} from 'node:path';
import type {Reporter} from '../cli/messages.js';
import type {Time} from '../time/time.js';
import type {PassContext} from '../watchdog/pass.js';

/** What keepup's subcommands get from their entry point: the process's world, injected. */
export interface KeepupContext {
  cwd: string;
  uid: number;
  pid: number;
  env: NodeJS.ProcessEnv;
  host: string;
  /** The clock and every wait of the subcommands (tests inject a fake one). */
  time: Time;
  /** The /proc to read (KEEPUP_PROC_ROOT, a test seam; /proc otherwise). */
  procRoot: string;
  /** Writes report text to stdout. */
  out: (text: string) => void;
  reporter: Reporter;
  /** Where SIGTERM, SIGINT, SIGHUP, SIGALRM and the rest arrive (the process). */
  signals: EventEmitter;
}

export const DEFAULT_CONFIG = 'watchdog.config.yaml';

/** The config file a subcommand uses: --config FILE, else watchdog.config.yaml in the cwd. */
export function configPath(values: Map<string, string | true>, cwd: string): string {
  const value = values.get('config');
  return resolve(cwd, typeof value === 'string' ? value : DEFAULT_CONFIG);
}

/** What a check pass needs from the subcommand's world; `uids` are the trusted owners. */
export function passContext(context: KeepupContext, uids: readonly number[]): PassContext {
  return {
    time: context.time,
    selfPid: context.pid,
    procRoot: context.procRoot,
    uids,
    host: context.host,
    reporter: context.reporter,
    env: context.env,
    ...(process.argv[1] !== undefined ? {selfCommand: [process.execPath, process.argv[1]]} : {}),
  };
}
