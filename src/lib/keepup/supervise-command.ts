import {isKeepupError} from '../cli/errors.js';
import {EXIT_OK} from '../cli/exit-codes.js';
import {parseLongOptions} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {lookupAccount} from '../chainload/account.js';
import {readEnvDir} from '../chainload/envdir.js';
import {serviceCapacity} from '../scanner/capacity.js';
import {readOpenFileLimit, serviceOpenFileLimit} from '../limits/open-files.js';
import {configLoader} from '../watchdog/load-config.js';
import {formatSupervising} from './announcement.js';
import {configPath, passContext, type KeepupContext} from './context.js';
import {residentSignals} from './resident-signals.js';
import {Supervision} from './supervision.js';
import {LastRun} from '../http/metrics.js';
import {startObserver} from '../http/observe.js';
import {HELP} from './help.js';
import {sdNotify, takeNotifySocket} from '../sys/sd-notify.js';

const SYNOPSIS = HELP.supervise.synopsis;
/** How often the tree is looked at until it is up, for READY=1. */
const READY_POLL_MS = 100;

/**
 * `keepup supervise`: the config upgraded to real supervision, resident. SIGHUP regenerates the
 * tree from the config (a bad config is reported and everything keeps running); SIGALRM reads
 * the tree again at once, as svscan; SIGTERM and SIGINT take every service down, loggers last,
 * and exit 0; the other signals that would end it (STRAY_SIGNALS) are reported and ignored.
 * One line at start and after each good reload says what it supervises.
 */
export const superviseCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  summary: HELP.supervise.summary,
  options: HELP.supervise.options,
  async run(args, context) {
    const values = parseLongOptions('keepup', args, {config: 'value', help: 'flag'}, `keepup supervise ${SYNOPSIS}`);
    const notifySocket = takeNotifySocket(context.env);
    const {uids, load} = configLoader(configPath(values, context.cwd), context);
    let config = load();
    const passes = new LastRun();
    const scans = new LastRun();
    const own = readOpenFileLimit();
    if (own && serviceCapacity(own) < 100) context.reporter.warn(`open-file limit ${own.soft} allows only about ${serviceCapacity(own)} services`);
    const supervision = new Supervision(config, {
      reporter: context.reporter,
      pass: {...passContext(context, uids), onPassCompleted: (started, ended) => passes.record(started, ended)},
      out: context.out,
      uids,
      // Not started through the launcher, keepup cannot know the limit it was given: 1024, as `node svscan.js`.
      nofile: own && serviceOpenFileLimit(own, undefined),
      spawn: {lookupAccount, readEnvDir, env: context.env},
      onScanned: (started, ended) => scans.record(started, ended),
    });
    let busy: Promise<unknown> = Promise.resolve();
    const stopped = residentSignals(context, 'keepup supervise', {
      reload() {
        busy = busy.then(async () => {
          try {
            const next = load();
            const plan = await supervision.reload(next);
            config = next;
            context.out(`keepup: ${formatSupervising(supervision.census(), plan)}\n`);
          } catch (error) {
            context.reporter.warn(`keeping the services as they are: ${isKeepupError(error) ? error.message : String(error)}`);
          }
        });
      },
      alarm() {
        busy = busy.then(() => supervision.rescan());
      },
    });
    // Before any service starts: an unusable credentials file or a busy port changes nothing.
    const http = await startObserver({config: () => config, pass: passContext(context, uids), passes, scans, source: 'supervise', out: context.out, events: supervision.events});
    busy = supervision.start();
    try {
      await busy;
    } catch (error) {
      await http?.close();
      await supervision.stop();
      throw error;
    }
    context.out(`keepup: ${formatSupervising(supervision.census())}\n`);
    const tell = (state: string) => {
      const failure = sdNotify(state, notifySocket);
      if (failure !== null) context.reporter.warn(failure);
    };
    // Under systemd's Type=notify the unit is started once every service runs (and is ready,
    // for those with ready:); a service that never comes up leaves it starting until
    // TimeoutStartSec, where systemctl status shows it, or until it is stopped.
    let stopping = false;
    let poll: ReturnType<typeof context.time.setTimeout> | undefined;
    if (notifySocket.NOTIFY_SOCKET) {
      const check = () => {
        poll = undefined;
        if (stopping) return;
        if (supervision.treeUp()) tell('READY=1');
        else poll = context.time.setTimeout(check, READY_POLL_MS);
      };
      check();
    }
    await stopped;
    stopping = true;
    if (poll !== undefined) context.time.clearTimeout(poll);
    tell('STOPPING=1');
    await busy;
    await http?.close();
    await supervision.stop();
    return EXIT_OK;
  },
};
