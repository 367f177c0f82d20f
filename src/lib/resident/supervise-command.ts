import {isKeepupError} from '../cli/errors.js';
import {EXIT_OK} from '../cli/exit-codes.js';
import {parseLongOptions} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {lookupAccount} from '../chainload/account.js';
import {readEnvDir} from '../chainload/envdir.js';
import {serviceCapacity} from '../scanner/capacity.js';
import {readOpenFileLimit, serviceOpenFileLimit} from '../limits/open-files.js';
import {guardInspectorSignal, ignoreStraySignals} from '../sys/signals.js';
import {configPath} from '../watchdog/check-command.js';
import type {KeepupContext} from '../watchdog/context.js';
import {configLoader} from '../watchdog/load-config.js';
import {formatSupervising} from './announcement.js';
import {Supervision} from './supervision.js';

const SYNOPSIS = '[--config FILE]';

/**
 * `keepup supervise`: the config upgraded to real supervision, resident. SIGHUP regenerates the
 * tree from the config (a bad config is reported and everything keeps running); SIGALRM reads
 * the tree again at once, as svscan; SIGTERM and SIGINT take every service down, loggers last,
 * and exit 0; the other signals that would end it (STRAY_SIGNALS) are reported and ignored.
 * One line at start and after each good reload says what it supervises.
 */
export const superviseCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  summary: 'generate a service tree from the config and supervise it in this process; daemons without run: are checked by name',
  async run(args, context) {
    const values = parseLongOptions('keepup', args, {config: 'value', help: 'flag'}, `keepup supervise ${SYNOPSIS}`);
    const {uids, load} = configLoader(configPath(values, context.cwd), context);
    const config = load();
    guardInspectorSignal();
    ignoreStraySignals(context.signals, (signal) => context.reporter.warn(`ignoring ${signal}: SIGTERM stops keepup supervise, SIGHUP reloads the config`));
    const own = readOpenFileLimit();
    if (own && serviceCapacity(own) < 100) context.reporter.warn(`open-file limit ${own.soft} allows only about ${serviceCapacity(own)} services`);
    const supervision = new Supervision(config, {
      reporter: context.reporter,
      pass: {clock: context.clock, selfPid: context.pid, procRoot: context.procRoot, uids, host: context.host, reporter: context.reporter, env: context.env},
      out: context.out,
      uids,
      // Not started through the launcher, keepup cannot know the limit it was given: 1024, as `node svscan.js`.
      nofile: own && serviceOpenFileLimit(own, undefined),
      spawn: {lookupAccount, readEnvDir, env: context.env},
      ...(context.timers ? {timers: context.timers} : {}),
    });
    let busy: Promise<unknown> = Promise.resolve();
    // The handlers stay installed until keepup exits: a signal during the shutdown must not
    // kill it half-way (Node's default action for HUP, ALRM, TERM and INT).
    let stopping = false;
    const stopped = new Promise<void>((resolve) => {
      const onHup = () => {
        if (stopping) return;
        busy = busy.then(async () => {
          try {
            const plan = await supervision.reload(load());
            context.out(`keepup: ${formatSupervising(supervision.census(), plan)}\n`);
          } catch (error) {
            context.reporter.warn(`keeping the services as they are: ${isKeepupError(error) ? error.message : String(error)}`);
          }
        });
      };
      const onAlarm = () => {
        if (!stopping) busy = busy.then(() => supervision.rescan());
      };
      const onStop = () => {
        stopping = true;
        resolve();
      };
      context.signals.on('SIGHUP', onHup);
      context.signals.on('SIGALRM', onAlarm);
      context.signals.on('SIGTERM', onStop);
      context.signals.on('SIGINT', onStop);
    });
    busy = supervision.start();
    try {
      await busy;
    } catch (error) {
      await supervision.stop();
      throw error;
    }
    context.out(`keepup: ${formatSupervising(supervision.census())}\n`);
    await stopped;
    await busy;
    await supervision.stop();
    return EXIT_OK;
  },
};
