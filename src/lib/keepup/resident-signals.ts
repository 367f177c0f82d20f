import {guardInspectorSignal, ignoreStraySignals} from '../sys/signals.js';
import type {KeepupContext} from './context.js';

export interface ResidentHandlers {
  /** SIGHUP: read the config again. */
  reload(): void;
  /** SIGALRM: do the periodic work now (as svscan rescans). */
  alarm(): void;
  /** The first SIGTERM or SIGINT, before the returned promise resolves. */
  stop?(): void;
}

/**
 * The signals of keepup's resident subcommands (`keepup cron`, `keepup supervise`): the
 * inspector's SIGUSR1 is caught, the STRAY_SIGNALS are reported and ignored, SIGHUP and
 * SIGALRM go to `handlers` until the first SIGTERM or SIGINT, which resolves the promise.
 * The handlers stay installed until keepup exits: a signal while it finishes must not kill it
 * half-way (Node's default action for HUP, ALRM, TERM and INT).
 */
export function residentSignals(context: Pick<KeepupContext, 'signals' | 'reporter'>, command: string, handlers: ResidentHandlers): Promise<void> {
  guardInspectorSignal();
  ignoreStraySignals(context.signals, (signal) => context.reporter.warn(`ignoring ${signal}: SIGTERM stops ${command}, SIGHUP reloads the config`));
  let stopping = false;
  return new Promise<void>((resolve) => {
    const onStop = () => {
      if (stopping) return;
      stopping = true;
      handlers.stop?.();
      resolve();
    };
    context.signals.on('SIGHUP', () => {
      if (!stopping) handlers.reload();
    });
    context.signals.on('SIGALRM', () => {
      if (!stopping) handlers.alarm();
    });
    context.signals.on('SIGTERM', onStop);
    context.signals.on('SIGINT', onStop);
  });
}
