import type {WatchdogConfig} from '../config/watchdog-config.js';
import type {TimerHandle, Time} from '../time/time.js';
import type {PassContext} from '../watchdog/pass.js';
import {residentPass} from './pass-report.js';
import {checkedDaemons} from './service-report.js';

/**
 * The daemons without `run:` inside `keepup supervise`: check mode's pass (process table, start
 * script, history, mail) over just those daemons, every `checkIntervalMs`. Passes never overlap:
 * the next is timed from the end of the previous one. Problems are warnings; the checker goes on.
 * With no such daemon it keeps no timer (a tree of services only wakes for nothing); a reload
 * that adds one starts the passes again.
 */
export class Checker {
  private config: WatchdogConfig;
  private readonly context: PassContext;
  private readonly out: (text: string) => void;
  private readonly time: Time;
  private timer: TimerHandle | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;

  constructor(config: WatchdogConfig, context: PassContext, options: {out: (text: string) => void}) {
    this.config = config;
    this.context = context;
    this.out = options.out;
    this.time = context.time;
  }

  /** Uses `config` from the next pass on; the first daemon to check starts a pass at once. */
  update(config: WatchdogConfig): void {
    this.config = config;
    if (this.timer === undefined && this.current === undefined && !this.stopped && checkedDaemons(config).daemons.length > 0) this.tick();
  }

  /** The first pass now, then one every interval. */
  start(): void {
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.time.clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.current = this.pass().finally(() => {
      this.current = undefined;
      if (!this.stopped && checkedDaemons(this.config).daemons.length > 0) this.timer = this.time.setTimeout(() => this.tick(), this.config.checkIntervalMs);
    });
  }

  private async pass(): Promise<void> {
    const config = checkedDaemons(this.config);
    if (config.daemons.length === 0) return;
    await residentPass(config, this.context, this.out);
  }
}
