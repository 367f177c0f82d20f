import {isKeepupError} from '../cli/errors.js';
import {EXIT_OK} from '../cli/exit-codes.js';
import {parseLongOptions} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {lookupAccount} from '../chainload/account.js';
import {readEnvDir} from '../chainload/envdir.js';
import {serviceCapacity} from '../scanner/capacity.js';
import {serviceOpenFileLimit} from '../supervisor/open-files.js';
import {readOpenFileLimit} from '../sys/open-file-limit.js';
import {guardInspectorSignal} from '../sys/signals.js';
import {configPath} from '../watchdog/check-command.js';
import type {KeepupContext} from '../watchdog/context.js';
import {configLoader} from '../watchdog/load-config.js';
import {Supervision} from './supervision.js';

const SYNOPSIS = '[--config FILE]';

/**
 * `keepup supervise`: the config upgraded to real supervision, resident. SIGHUP regenerates the
 * tree from the config (a bad config is reported and everything keeps running); SIGTERM and
 * SIGINT take every service down, loggers last, and exit 0.
 */
export const superviseCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  summary: 'generate a service tree from the config and supervise it in this process; daemons without run: are checked by name',
  async run(args, context) {
    const values = parseLongOptions('keepup', args, {config: 'value', help: 'flag'}, `keepup supervise ${SYNOPSIS}`);
    const {uids, load} = configLoader(configPath(values, context.cwd), context);
    const config = load();
    guardInspectorSignal();
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
    });
    let busy: Promise<unknown> = Promise.resolve();
    const stopped = new Promise<void>((resolve) => {
      const onHup = () => {
        busy = busy.then(async () => {
          try {
            await supervision.reload(load());
          } catch (error) {
            context.reporter.warn(`keeping the services as they are: ${isKeepupError(error) ? error.message : String(error)}`);
          }
        });
      };
      const onStop = () => {
        context.signals.off('SIGHUP', onHup);
        context.signals.off('SIGTERM', onStop);
        context.signals.off('SIGINT', onStop);
        resolve();
      };
      context.signals.on('SIGHUP', onHup);
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
    await stopped;
    await busy;
    await supervision.stop();
    return EXIT_OK;
  },
};
