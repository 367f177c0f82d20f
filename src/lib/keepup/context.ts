import type {EventEmitter} from 'node:events';
import {resolve} from 'node:path';
import type {Reporter} from '../cli/messages.js';
import type {Timers} from '../supervisor/timers.js';
import type {Clock} from '../tai64n/clock.js';
import type {PassContext} from '../watchdog/pass.js';

/** What keepup's subcommands get from their entry point: the process's world, injected. */
export interface KeepupContext {
  cwd: string;
  uid: number;
  pid: number;
  env: NodeJS.ProcessEnv;
  host: string;
  clock: Clock;
  /** The /proc to read (KEEPUP_PROC_ROOT, a test seam; /proc otherwise). */
  procRoot: string;
  /** Writes report text to stdout. */
  out(text: string): void;
  reporter: Reporter;
  /** Where SIGTERM, SIGINT, SIGHUP, SIGALRM and the rest arrive (the process). */
  signals: EventEmitter;
  /** The resident subcommands' timers (tests inject fake ones); the system's by default. */
  timers?: Timers;
}

export const DEFAULT_CONFIG = 'watchdog.config.yaml';

/** The config file a subcommand uses: --config FILE, else watchdog.config.yaml in the cwd. */
export function configPath(values: Map<string, string | true>, cwd: string): string {
  const value = values.get('config');
  return resolve(cwd, typeof value === 'string' ? value : DEFAULT_CONFIG);
}

/** What a check pass needs from the subcommand's world; `uids` are the trusted owners. */
export function passContext(context: KeepupContext, uids: readonly number[]): PassContext {
  return {clock: context.clock, selfPid: context.pid, procRoot: context.procRoot, uids, host: context.host, reporter: context.reporter, env: context.env};
}
