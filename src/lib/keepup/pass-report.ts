import {FatalError, isKeepupError} from '../cli/errors.js';
import {EXIT_OK} from '../cli/exit-codes.js';
import type {WatchdogConfig} from '../config/watchdog-config.js';
import {runPass, type PassContext, type PassOutcome} from '../watchdog/pass.js';
import {EventBus} from '../events/event.js';
import {logListener} from '../events/log.js';
import {Notifier} from '../notify/notifier.js';

/** The exit code for a pass outcome, or the fatal error that explains it. */
export function outcomeCode(outcome: PassOutcome, stateDir: string): number {
  switch (outcome.kind) {
    case 'completed':
      return EXIT_OK;
    case 'uninspectable':
      throw new FatalError(`unable to inspect the system: ${outcome.reason}; restarted nothing`);
    case 'busy':
      throw new FatalError(`unable to lock ${stateDir}/lock: another keepup run held it for ${Math.round(outcome.waitedMs / 1000)} s; restarted nothing`);
  }
}

/**
 * Runs one pass and writes its report to `out`: the exit code when it completed, else the
 * fatal error that explains why not (`keepup check`).
 */
export async function passAndReport(config: WatchdogConfig, context: PassContext, out: (text: string) => void, options: {dryRun: boolean}): Promise<number> {
  // Without a bus of its own (keepup check, keepup cron), a pass's events go to stateDir/events
  // and to the webhook and exec hook (the pass mails its own report).
  if (context.events || options.dryRun) return outcomeCode(await report(config, context, out, options), config.stateDir);
  const {bus, notifier} = stateDirEvents(config, context);
  try {
    return outcomeCode(await report(config, {...context, events: bus}, out, options), config.stateDir);
  } finally {
    await notifier.stop();
  }
}

async function report(config: WatchdogConfig, context: PassContext, out: (text: string) => void, options: {dryRun: boolean}): Promise<PassOutcome> {
  const started = context.time.now();
  const outcome = await runPass(config, context, options);
  if (outcome.kind === 'completed' && !options.dryRun) context.onPassCompleted?.(started, context.time.now());
  if (outcome.kind === 'completed' && outcome.output !== '') out(outcome.output);
  return outcome;
}

/**
 * The same for a resident subcommand (`keepup cron`, the checker of `keepup supervise`): a
 * pass that fails, for whatever reason, is a warning, and the process goes on.
 */
export async function residentPass(config: WatchdogConfig, context: PassContext, out: (text: string) => void): Promise<void> {
  try {
    await passAndReport(config, context, out, {dryRun: false});
  } catch (error) {
    context.reporter.warn(isKeepupError(error) ? error.message : `internal error: ${(error as Error).stack ?? String(error)}`);
  }
}

/** A bus for one pass: the event log in `stateDir`, then the notifier (webhook, exec hook). */
function stateDirEvents(config: WatchdogConfig, context: PassContext): {bus: EventBus; notifier: Notifier} {
  const bus = new EventBus(() => context.time.now(), context.reporter);
  bus.subscribe(logListener(config.stateDir, context.reporter));
  const notifier = new Notifier({
    host: context.host,
    stateDir: config.stateDir,
    time: context.time,
    reporter: context.reporter,
    uids: context.uids,
    env: context.env,
    settings: (service) => config.daemons.find((daemon) => daemon.name === service)?.notify ?? config.notify,
    mail: () => config.mail,
    persistThrottle: true,
  });
  notifier.start();
  bus.subscribe((event) => notifier.handle(event));
  return {bus, notifier};
}
