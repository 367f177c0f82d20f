import {closeSync, readSync, statSync} from 'node:fs';
import {lookupAccount} from '../chainload/account.js';
import {FatalError, SysError} from '../cli/errors.js';
import {EXIT_USAGE} from '../cli/exit-codes.js';
import {CONFIG_SIZE_LIMIT, tooLargeMessage} from '../config/input.js';
import {ConfigError} from '../config/schema.js';
import {parseWatchdogConfigBytes, type LoadedConfig, type WatchdogConfig} from '../config/watchdog-config.js';
import {trustedUids} from '../security/ownership.js';
import {openTrusted} from '../security/trusted-path.js';
import type {Reporter} from '../cli/messages.js';

/**
 * Loads the watchdog config for a run as root. The file is opened once (security/trusted-path):
 * it and every directory above it, and every symlink on the way and its target's whole path,
 * must be owned by root (or the invoking user) and writable by nobody else; the open
 * descriptor is checked again with fstat, and what is parsed is what that descriptor reads.
 * Over CONFIG_SIZE_LIMIT, not UTF-8, unsafe or invalid: FatalError exit 100. Unreadable:
 * SysError exit 111.
 */
export function loadCheckedConfig(file: string, options: {uid: number; uids: readonly number[]; env: NodeJS.ProcessEnv}): LoadedConfig {
  const opened = openTrusted(file, 'file', options.uids);
  if (!opened.ok) {
    if (opened.cause) throw new SysError(`read ${file}`, opened.cause);
    throw new FatalError(`refusing config ${file}: ${opened.problem}`, EXIT_USAGE);
  }
  let bytes: Buffer;
  try {
    if (opened.stats.size > CONFIG_SIZE_LIMIT) throw new FatalError(tooLargeMessage(file, opened.stats.size), EXIT_USAGE);
    bytes = readBounded(opened.fd, file);
  } finally {
    closeSync(opened.fd);
  }
  try {
    return parseWatchdogConfigBytes(bytes, file, {...options, system: SYSTEM});
  } catch (error) {
    if (error instanceof ConfigError) throw new FatalError(error.message, EXIT_USAGE, {cause: error});
    throw error;
  }
}

const SYSTEM = {
  accountExists: (name: string) => lookupAccount(name) !== 'unknown',
  directoryExists(path: string) {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
};

/** Reads the whole file from FD, refusing it if it grows past the limit while being read. */
function readBounded(fd: number, file: string): Buffer {
  const buffer = Buffer.alloc(CONFIG_SIZE_LIMIT + 1);
  let length = 0;
  try {
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > CONFIG_SIZE_LIMIT) throw new FatalError(tooLargeMessage(file, length), EXIT_USAGE);
    }
  } catch (error) {
    if (error instanceof FatalError) throw error;
    throw new SysError(`read ${file}`, error);
  }
  return buffer.subarray(0, length);
}

/**
 * For resident subcommands that load the config again on SIGHUP: the trusted uids and a loader
 * that reports the config's warnings each time.
 */
export function configLoader(file: string, context: {uid: number; env: NodeJS.ProcessEnv; reporter: Reporter}): {uids: number[]; load: () => WatchdogConfig} {
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
