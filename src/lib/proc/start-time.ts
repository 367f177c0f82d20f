import {readFileSync} from 'node:fs';
import {hasExited, readProcStat} from './stat.js';

/**
 * What identifies a process across pid reuse on Linux: its start time (field 22 of
 * /proc/PID/stat, clock ticks since boot) together with the boot id. Undefined when the
 * process is gone (a zombie counts as gone: it has exited) or /proc is not there.
 */
export function readStartTime(pid: number): string | undefined {
  let stat;
  try {
    stat = readProcStat(pid);
  } catch {
    return undefined;
  }
  return stat && !hasExited(stat) ? stat.startTime : undefined;
}

/** The kernel's random boot id, or undefined without /proc. */
export function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim() || undefined;
  } catch {
    return undefined;
  }
}
