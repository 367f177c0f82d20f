import type {EventEmitter} from 'node:events';
import type {Reporter} from '../cli/messages.js';
import type {Time} from '../time/time.js';

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
  out(text: string): void;
  reporter: Reporter;
  /** Where SIGTERM, SIGINT, SIGHUP, SIGALRM and the rest arrive (the process). */
  signals: EventEmitter;
}
