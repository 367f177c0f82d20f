import {createTask, type ScheduledTask} from 'node-cron';
import {isKeepupError} from '../cli/errors.js';
import {EXIT_OK} from '../cli/exit-codes.js';
import {parseLongOptions} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {guardInspectorSignal, ignoreStraySignals} from '../sys/signals.js';
import {configPath, outcomeCode} from './check-command.js';
import type {KeepupContext} from './context.js';
import {configLoader} from './load-config.js';
import {runPass} from './pass.js';

const SYNOPSIS = '[--config FILE]';

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
  summary: 'stay resident and run the pass on the schedule from the config (default every ten minutes)',
  async run(args, context) {
    const values = parseLongOptions('keepup', args, {config: 'value', help: 'flag'}, `keepup cron ${SYNOPSIS}`);
    const {uids, load} = configLoader(configPath(values, context.cwd), context);
    let config = load();
    guardInspectorSignal();
    ignoreStraySignals(context.signals, (signal) => context.reporter.warn(`ignoring ${signal}: SIGTERM stops keepup cron, SIGHUP reloads the config`));

    let current: Promise<void> | undefined;
    const pass = async (): Promise<void> => {
      try {
        const outcome = await runPass(
          config,
          {time: context.time, selfPid: context.pid, procRoot: context.procRoot, uids, host: context.host, reporter: context.reporter, env: context.env},
          {dryRun: false},
        );
        if (outcome.kind === 'completed' && outcome.output !== '') context.out(outcome.output);
        outcomeCode(outcome, config.stateDir);
      } catch (error) {
        context.reporter.warn(isKeepupError(error) ? error.message : `internal error: ${(error as Error).stack ?? String(error)}`);
      }
    };
    const tick = (): void => {
      if (current) {
        context.reporter.warn('skipping a scheduled pass: the previous one is still running');
        return;
      }
      current = pass().finally(() => (current = undefined));
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

    // The handlers stay installed until keepup exits: a signal while the last pass finishes
    // must not kill it half-way (Node's default action for HUP, ALRM, TERM and INT).
    let stopping = false;
    await new Promise<void>((resolve) => {
      const onHup = () => {
        if (stopping) return;
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
      };
      const onAlarm = () => {
        if (!stopping) tick();
      };
      const onStop = () => {
        if (stopping) return;
        stopping = true;
        void task.destroy();
        resolve();
      };
      context.signals.on('SIGHUP', onHup);
      context.signals.on('SIGALRM', onAlarm);
      context.signals.on('SIGTERM', onStop);
      context.signals.on('SIGINT', onStop);
    });
    await current;
    return EXIT_OK;
  },
};
