import type {ProcessEntry} from './entry.js';

/** The entry for one ps-list row: ps-list's `name` stands in for the kernel name. */
export function fromPsList(row: {pid: number; ppid?: number; name: string; cmd?: string}): ProcessEntry {
  return {
    pid: row.pid,
    comm: row.name,
    argv: row.cmd ? row.cmd.split(' ') : [],
    ...(row.ppid !== undefined ? {ppid: row.ppid} : {}),
  };
}

/** The process table where there is no /proc (the BSDs, macOS), through `ps`. */
export async function readPsTable(): Promise<ProcessEntry[]> {
  const {default: psList} = await import('ps-list');
  return (await psList({all: true})).map(fromPsList);
}
