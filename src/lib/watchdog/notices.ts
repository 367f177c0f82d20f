import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import type {Reporter} from '../cli/messages.js';
import {errorText} from '../cli/errno-text.js';
import {writeFileAtomicSync} from '../sys/fs-atomic.js';

/**
 * Conditions that last (a pidfile that holds no pid, a supervisor that is not running): said
 * once, on the pass where they first appear, not on every pass (cron would mail each one).
 * The conditions of the last pass are kept in `stateDir/notices`, one key per line; a condition
 * that clears is forgotten, so it is said again if it comes back.
 */
export const NOTICES_FILE = 'notices';

export interface Notice {
  /** Stable identity of the condition (`pidfile-garbage:/run/x.pid`). */
  key: string;
  message: string;
}

/** Warns about the notices not in the last pass's set, then records this set (when `record`). */
export function reportOnce(stateDir: string, notices: readonly Notice[], reporter: Reporter, options: {record: boolean}): void {
  const path = join(stateDir, NOTICES_FILE);
  let previous = new Set<string>();
  try {
    previous = new Set(
      readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line !== ''),
    );
  } catch {
    // none yet (or unreadable: say everything)
  }
  for (const notice of notices) if (!previous.has(notice.key)) reporter.warn(notice.message);
  if (!options.record) return;
  const current = [...new Set(notices.map((notice) => notice.key.replace(/\n/g, ' ')))].sort();
  if (current.length === previous.size && current.every((key) => previous.has(key))) return;
  try {
    writeFileAtomicSync(path, Buffer.from(current.map((key) => `${key}\n`).join('')), {mode: 0o600, fsync: false, exclusive: true});
  } catch (error) {
    reporter.warn(`unable to write ${path}: ${errorText((error as {cause?: unknown}).cause ?? error)}`);
  }
}
