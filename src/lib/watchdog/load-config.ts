import {readFileSync} from 'node:fs';
import {FatalError, SysError} from '../cli/errors.js';
import {EXIT_USAGE} from '../cli/exit-codes.js';
import {ConfigError} from '../config/schema.js';
import {parseWatchdogConfig, type LoadedConfig, type WatchdogConfig} from '../config/watchdog-config.js';
import {checkTrusted, trustedUids} from '../security/ownership.js';
import type {Reporter} from '../cli/messages.js';

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

/**
 * For resident subcommands that load the config again on SIGHUP: the trusted uids and a loader
 * that reports the config's warnings each time.
 */
export function configLoader(file: string, context: {uid: number; env: NodeJS.ProcessEnv; reporter: Reporter}): {uids: number[]; load(): WatchdogConfig} {
  const uids = trustedUids(context.uid);
  return {
    uids,
    load() {
      const {config, warnings} = loadCheckedConfig(file, {uid: context.uid, uids, env: context.env});
      for (const warning of warnings) context.reporter.warn(warning);
      return config;
    },
  };
}
