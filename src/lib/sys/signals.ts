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

/**
 * Sends `signal` to `pid` (to the process group it leads when `group`, or to `pid` alone while
 * it leads none yet) and says whether the kernel took it. A pid that is not a process of ours to signal is refused without a system call: 0 and 1
 * and their negatives would reach this process's own group, init, or (as root) every process on
 * the machine, and a pid read from a file or the process table can be any of them.
 */
export function sendSignal(pid: number | undefined, signal: NodeJS.Signals | 0, group = false): boolean {
  if (pid === undefined || !Number.isSafeInteger(pid) || pid <= 1) return false;
  try {
    process.kill(group ? -pid : pid, signal);
    return true;
  } catch (error) {
    // A child signalled before it has made its own session leads no group yet: then the
    // group is the child alone (a probe with signal 0 asks about the group only).
    if (!group || signal === 0 || (error as NodeJS.ErrnoException).code !== 'ESRCH') return false;
  }
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
