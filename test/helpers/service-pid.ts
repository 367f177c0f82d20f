import {readStatus} from '../../src/lib/status/file.js';

/** The pid in DIR/supervise/status, 0 when there is none, no status yet, or a bad one. */
export function pidOf(dir: string): number {
  try {
    const record = readStatus(dir);
    return record === 'bad-format' ? 0 : record.pid;
  } catch {
    return 0;
  }
}
