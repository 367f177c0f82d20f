import {errorText} from '../cli/errno-text.js';
import type {ProcessEntry} from './entry.js';
import {readProcTable} from './proc.js';
import {readPsTable} from './ps.js';
import {errnoCode} from '../sys/errno.js';

export interface ProcessTable {
  entries: ProcessEntry[];
  /** Which reader produced it. */
  source: 'proc' | 'ps';
}

export type TableOutcome = {ok: true; table: ProcessTable} | {ok: false; reason: string};

/**
 * Reads the process table: on Linux from `procRoot` (normally /proc), elsewhere through ps.
 * A table that does not contain the
 * reading process itself is not trusted: a broken `ps` or a masked /proc would otherwise make
 * every daemon look dead.
 */
export async function readProcessTable(options: {procRoot: string; selfPid: number; platform?: NodeJS.Platform}): Promise<TableOutcome> {
  let table: ProcessTable;
  try {
    table = (options.platform ?? process.platform) === 'linux' ? {entries: readProcTable(options.procRoot), source: 'proc'} : {entries: await readPsTable(), source: 'ps'};
  } catch (error) {
    const code = errnoCode(error);
    return {ok: false, reason: `unable to read the process table: ${code ? errorText(error) : (error as Error).message}`};
  }
  if (!table.entries.some((entry) => entry.pid === options.selfPid)) {
    return {
      ok: false,
      reason: `the process table from ${table.source === 'proc' ? options.procRoot : 'ps'} does not list this process (pid ${options.selfPid}): it cannot be trusted`,
    };
  }
  return {ok: true, table};
}
