import type {EventEmitter} from 'node:events';

/**
 * Every resident keepup process calls this first: without a SIGUSR1 handler Node 20 opens
 * its inspector on 127.0.0.1:9229, a debugger port with root's powers.
 */
export function guardInspectorSignal(onUsr1: () => void = () => {}): void {
  process.on('SIGUSR1', onUsr1);
}

/**
 * Signals whose default action would end a resident keepup process although nobody means
 * "stop" by them: svc-style tools, runit's `sv` and admins send them to supervisors. A
 * handler makes Node catch them instead (SIGPIPE and SIGXFSZ Node already ignores; SIGUSR1
 * is the inspector's, see guardInspectorSignal; the fault signals SEGV, BUS, FPE, ILL and
 * the stop signals keep their meaning).
 */
export const STRAY_SIGNALS: readonly NodeJS.Signals[] = ['SIGUSR2', 'SIGQUIT', 'SIGPWR', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGSTKFLT'];

/** Catches every STRAY_SIGNALS signal on `signals` and tells `onIgnored`; the process goes on. */
export function ignoreStraySignals(signals: EventEmitter, onIgnored: (signal: NodeJS.Signals) => void): void {
  for (const signal of STRAY_SIGNALS) signals.on(signal, () => onIgnored(signal));
}
