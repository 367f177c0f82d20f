import type {EventEmitter} from 'node:events';
import type {Reporter} from '../cli/messages.js';
import type {Timers} from '../supervisor/timers.js';
import type {Clock} from '../tai64n/clock.js';

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
  out: (text: string) => void;
  reporter: Reporter;
  /** Where SIGTERM, SIGINT, SIGHUP, SIGALRM and the rest arrive (the process). */
  signals: EventEmitter;
  /** The resident subcommands' timers (tests inject fake ones); the system's by default. */
  timers?: Timers;
}
