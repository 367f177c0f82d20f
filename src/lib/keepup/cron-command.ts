import {createTask, type ScheduledTask} from 'node-cron';
import {isKeepupError} from '../cli/errors.js';
import {EXIT_OK} from '../cli/exit-codes.js';
import {parseLongOptions} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {configLoader} from '../watchdog/load-config.js';
import {configPath, passContext, type KeepupContext} from './context.js';
import {residentPass} from './pass-report.js';
import {residentSignals} from './resident-signals.js';
import {LastRun} from '../http/metrics.js';
import {startObserver} from '../http/observe.js';
import {HELP} from './help.js';

const SYNOPSIS = HELP.cron.synopsis;

/**
 * `keepup cron`: one resident process that runs a pass at start and then on the config's
 * `schedule` (node-cron). Passes never overlap (a tick that comes during a pass is skipped
 * with a warning). SIGHUP re-reads the config (a bad one is reported and the old one kept);
 * SIGALRM runs a pass now (as svscan rescans); SIGTERM and SIGINT stop the schedule, let the
 * current pass finish and exit 0; the other signals that would end it (STRAY_SIGNALS) are
 * reported and ignored.
 */
export const cronCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  summary: HELP.cron.summary,
  options: HELP.cron.options,
  async run(args, context) {
    const values = parseLongOptions('keepup', args, {config: 'value', help: 'flag'}, `keepup cron ${SYNOPSIS}`);
    const {uids, load} = configLoader(configPath(values, context.cwd), context);
    let config = load();
    const passes = new LastRun();
    const pass = {...passContext(context, uids), onPassCompleted: (started: number, ended: number) => passes.record(started, ended)};
    const http = await startObserver({config: () => config, pass, passes, source: 'check', out: context.out});

    let current: Promise<void> | undefined;
    const tick = (): void => {
      if (current) {
        context.reporter.warn('skipping a scheduled pass: the previous one is still running');
        return;
      }
      current = residentPass(config, pass, context.out).finally(() => (current = undefined));
    };
    const logger = {
      info: () => {},
      debug: () => {},
      warn: (message: string) => context.reporter.warn(`node-cron: ${message}`),
      error: (message: string | Error) => context.reporter.warn(`node-cron: ${message instanceof Error ? message.message : message}`),
    };
    const schedule = (): ScheduledTask => {
      const task = createTask(config.schedule, tick, {name: 'keepup', logger});
      void task.start();
      return task;
    };
    let task = schedule();
    tick();

    await residentSignals(context, 'keepup cron', {
      reload() {
        try {
          const previous = config.schedule;
          config = load();
          if (config.schedule !== previous) {
            void task.destroy();
            task = schedule();
          }
        } catch (error) {
          context.reporter.warn(`keeping the previous config: ${isKeepupError(error) ? error.message : String(error)}`);
        }
      },
      alarm: tick,
      stop() {
        void task.destroy();
      },
    });
    await current;
    await http?.close();
    return EXIT_OK;
  },
};
