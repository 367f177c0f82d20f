import {readdirSync} from 'node:fs';
import {join} from 'node:path';
import {sendControl} from '../control/client.js';
import {LOG_DIR} from '../service-dir/layout.js';

/**
 * svscanboot's `svc -dx DIR/* DIR/*\/log`: tells any supervisor left from a previous boot or a
 * crashed scanner to take its service down and exit. Returns the directories that took the
 * command; the rest (nobody supervising, no supervise/ yet) are skipped silently, as svc's
 * warnings go to /dev/null in svscanboot. Names starting with a dot are skipped, as the shell
 * glob does.
 */
export function stopLeftovers(scanDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(scanDir)
      .filter((name) => !name.startsWith('.'))
      .sort();
  } catch {
    return [];
  }
  const told: string[] = [];
  for (const dir of [...names.map((name) => join(scanDir, name)), ...names.map((name) => join(scanDir, name, LOG_DIR))]) {
    try {
      if (sendControl(dir, 'dx') === 'sent') told.push(dir);
    } catch {
      // not a service directory, or never supervised
    }
  }
  return told;
}
