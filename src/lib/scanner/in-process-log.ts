import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import {LogSession} from '../log-writer/session.js';
import {parseScript} from '../log-writer/script.js';
import {LogWriter} from '../log-writer/writer.js';
import {systemTimers, type TimerHandle, type Timers} from '../supervisor/timers.js';
import {openChunkReader} from '../sys/fd-reader.js';

/** How long after a failed logger a new one starts (supervise's throttle). */
export const LOG_RESTART_MS = 1000;

export interface InProcessLogOptions {
  /** The log directory: relative directories of the script are taken from it. */
  readonly dir: string;
  /** The scanner's log pipe (held by the scanner; read through a descriptor of its own). */
  readonly pipeFd: number;
  /** multilog's arguments. */
  readonly script: readonly string[];
  readonly reporter: Reporter;
  readonly timers?: Timers;
}

/**
 * A service's logger run inside the scanner instead of a `multilog` process: the log writer
 * library reads the log pipe and writes the log directories with multilog's exact behaviour. If
 * it fails (an unusable script, a directory that cannot be set up), it says so and starts again
 * a second later, as supervise would restart multilog. stop() ends at a line boundary; after the
 * last writer of the pipe is gone, `drained()` resolves once everything written was logged.
 */
export class InProcessLog {
  readonly #options: InProcessLogOptions;
  readonly #timers: Timers;
  #session: LogSession | undefined;
  #running: Promise<void> | undefined;
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(options: InProcessLogOptions) {
    this.#options = options;
    this.#timers = options.timers ?? systemTimers;
  }

  start(): void {
    if (this.#stopped || this.#running) return;
    this.#running = this.#runOnce().finally(() => {
      this.#running = undefined;
      this.#session = undefined;
      if (!this.#stopped) this.#timer = this.#timers.setTimeout(() => ((this.#timer = undefined), this.start()), LOG_RESTART_MS);
    });
  }

  /** Resolves when the current session ends by itself (end of input: every writer of the pipe closed). */
  async drained(): Promise<void> {
    await this.#running;
  }

  /** Stops at the current line boundary and resolves when the logs are closed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#session?.stop();
    await this.#running;
  }

  async #runOnce(): Promise<void> {
    const {dir, pipeFd, script, reporter} = this.#options;
    try {
      const writer = await LogWriter.open(parseScript(script), {cwd: dir, reporter: {warn: (message) => reporter.warn(`${dir}: ${message}`)}});
      const session = new LogSession(openChunkReader(pipeFd, {reopen: true, chunkSize: 65536}), writer);
      this.#session = session;
      if (this.#stopped) session.stop();
      await session.run();
    } catch (error) {
      reporter.warn(`logger for ${dir} failed, starting it again in a second: ${error instanceof Error && !('code' in error) ? error.message : errorText(error)}`);
    }
  }
}
