/**
 * `supervise/child`: keepup's own one-line record of the child it started, written next to the
 * daemontools status (which stays 18 bytes). `PID STARTTIME BOOTID\n`, where STARTTIME is field
 * 22 of /proc/PID/stat and BOOTID the kernel's boot id. A supervisor restarted after a crash can
 * adopt the pid from `status` only when /proc still shows the same start time on the same boot.
 */
export interface ChildRecord {
  readonly pid: number;
  readonly startTime: string;
  readonly bootId: string;
}

export function format(record: ChildRecord): string {
  return `${record.pid} ${record.startTime} ${record.bootId}\n`;
}

/** undefined for anything that is not exactly one well-formed line. */
export function parse(text: string): ChildRecord | undefined {
  const match = /^([1-9][0-9]{0,9}) ([0-9]{1,20}) ([0-9a-f-]{1,64})\n$/.exec(text);
  if (!match) return undefined;
  const pid = Number(match[1]);
  return pid <= 0xffffffff ? {pid, startTime: match[2]!, bootId: match[3]!} : undefined;
}

/** Is `record` the process now running as its pid (same start time, same boot)? */
export function matches(record: ChildRecord, startTime: string | undefined, bootId: string | undefined): boolean {
  return startTime === record.startTime && bootId === record.bootId;
}
