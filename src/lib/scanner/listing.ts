import {readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import {LOG_DIR} from '../service-dir/layout.js';
import {fsPath, nameFromBytes} from '../sys/byte-names.js';
import {isErrno} from '../sys/errno.js';

/** One service directory found by a scan. Services are identified by device and inode, as svscan does. */
export interface ServiceEntry {
  /** The directory's name; bytes that are not UTF-8 are escaped (sys/byte-names): use fsPath for node:fs. */
  readonly name: string;
  /** `dev:ino` of the directory (a symlink is followed). */
  readonly key: string;
  /** NAME/log is a directory: a logger is supervised beside the service. */
  readonly hasLog: boolean;
}

/**
 * Lists the service directories of `dir`: names starting with a dot are skipped before any stat,
 * symlinks are followed, anything that is not a directory is passed over. Returns undefined (and
 * warns) when the directory cannot be read: that scan is abandoned, nothing is stopped.
 */
export function listServices(dir: string, reporter: Reporter): ServiceEntry[] | undefined {
  let names: string[];
  try {
    // Names are bytes: read as Buffers, carried with their non-UTF-8 bytes escaped (byte-names).
    names = readdirSync(fsPath(dir), {encoding: 'buffer'}).map(nameFromBytes);
  } catch (error) {
    reporter.warn(`unable to read directory: ${errorText(error)}`);
    return undefined;
  }
  const entries: ServiceEntry[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    let stats;
    try {
      stats = statSync(fsPath(join(dir, name)), {bigint: true});
    } catch (error) {
      reporter.warn(`unable to stat ${name}: ${errorText(error)}`);
      continue;
    }
    if (!stats.isDirectory()) continue;
    const hasLog = logDirectory(dir, name, reporter);
    if (hasLog === undefined) continue;
    entries.push({name, key: `${stats.dev}:${stats.ino}`, hasLog});
  }
  return entries;
}

/** true/false, or undefined after a warning when NAME/log cannot be examined (entry skipped this scan). */
function logDirectory(dir: string, name: string, reporter: Reporter): boolean | undefined {
  try {
    // Most services have no log: a missing one is not an exception (throwing costs most of a scan).
    const stats = statSync(fsPath(join(dir, name, LOG_DIR)), {throwIfNoEntry: false});
    if (stats === undefined) return false;
    if (stats.isDirectory()) return true;
    reporter.warn(`${name}/log is not a directory: running ${name} without a logger`);
    return false;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    reporter.warn(`unable to stat ${name}/log: ${errorText(error)}`);
    return undefined;
  }
}

/** What a scan changes: entries to start, and known entries no longer in the directory. */
export interface ScanPlan {
  readonly added: ServiceEntry[];
  readonly vanished: string[];
}

/** Pure: compares a listing with the keys already supervised. */
export function planScan(known: Iterable<string>, listing: readonly ServiceEntry[]): ScanPlan {
  const knownKeys = new Set(known);
  const seen = new Set(listing.map((entry) => entry.key));
  return {
    added: listing.filter((entry) => !knownKeys.has(entry.key)),
    vanished: [...knownKeys].filter((key) => !seen.has(key)),
  };
}
