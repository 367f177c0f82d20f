import {readStatus} from '../../src/lib/status/file.js';
import {PATIENT, waitFor} from './wait-for.js';

/** The pid in DIR/supervise/status, 0 when there is none, no status yet, or a bad one. */
export function pidOf(dir: string): number {
  try {
    const record = readStatus(dir);
    return record === 'bad-format' ? 0 : record.pid;
  } catch {
    return 0;
  }
}

/** Waits (PATIENT) until DIR's status names a running pid, other than `not` when given. */
export function upPid(dir: string, not = 0): Promise<number> {
  return waitFor(
    () => {
      const pid = pidOf(dir);
      return pid !== 0 && pid !== not ? pid : undefined;
    },
    `${dir} up${not ? ` with a pid other than ${not}` : ''}`,
    PATIENT,
  );
}
