import {readFileSync} from 'node:fs';
import {FatalError, SysError} from '../cli/errors.js';
import {EXIT_USAGE} from '../cli/exit-codes.js';
import {ConfigError} from '../config/schema.js';
import {parseWatchdogConfig, type LoadedConfig} from '../config/watchdog-config.js';
import {checkTrusted} from '../security/ownership.js';

/**
 * Loads the watchdog config for a run as root: the file must be a regular file owned by root
 * (or the invoking user) and writable by its owner only, then it is parsed and validated.
 * Unsafe or invalid: FatalError exit 100. Unreadable: SysError exit 111.
 */
export function loadCheckedConfig(file: string, options: {uid: number; uids: readonly number[]; env: NodeJS.ProcessEnv}): LoadedConfig {
  const trusted = checkTrusted(file, 'file', options.uids);
  if (!trusted.ok) {
    if (trusted.cause) throw new SysError(`read ${file}`, trusted.cause);
    throw new FatalError(`refusing config ${file}: ${trusted.problem}`, EXIT_USAGE);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SysError(`read ${file}`, error);
  }
  let loaded: LoadedConfig;
  try {
    loaded = parseWatchdogConfig(text, file, options);
  } catch (error) {
    if (error instanceof ConfigError) throw new FatalError(error.message, EXIT_USAGE, {cause: error});
    throw error;
  }
  return loaded;
}
