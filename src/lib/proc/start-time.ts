import {readFileSync} from 'node:fs';

/**
 * What identifies a process across pid reuse on Linux: its start time (field 22 of
 * /proc/PID/stat, clock ticks since boot) together with the boot id. Undefined when the
 * process is gone (a zombie counts as gone: it has exited) or /proc is not there.
 */
export function readStartTime(pid: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // Field 2 (comm) may hold spaces and parentheses: count fields after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
  const startTime = rest[22 - 3];
  return startTime !== undefined && /^[0-9]+$/.test(startTime) ? startTime : undefined;
}

/** The kernel's random boot id, or undefined without /proc. */
export function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim() || undefined;
  } catch {
    return undefined;
  }
}
