import {readFileSync} from 'node:fs';
import {join} from 'node:path';

/**
 * The fields of `/proc/PID/stat` keepup uses: `pid (comm) state ppid pgrp session … starttime …`
 * (proc(5)). The one parser of that line: the name may hold spaces and parentheses, so the
 * fields are counted from after the last `)`.
 */
export interface ProcStat {
  readonly pid: number;
  /** The kernel's process name, as between the parentheses. */
  readonly comm: string;
  /** One letter: R, S, D, Z (zombie), X (dead), T, t, … */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  /** Field 22, clock ticks since boot, as decimal text (it can pass 2^53); undefined when the line stops before it. */
  readonly startTime: string | undefined;
}

const INTEGER = /^-?[0-9]+$/;

/** Parses one stat line; undefined when it does not have that shape (up to `session`, at least). */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = text.slice(0, open);
  // Fields 3 onwards; field N is fields[N - 3].
  const fields = text
    .slice(close + 2)
    .replace(/\n$/, '')
    .split(' ');
  const [state, ppid, pgrp, session] = fields;
  if (!INTEGER.test(pid) || state === undefined || state === '') return undefined;
  if (![ppid, pgrp, session].every((field) => field !== undefined && INTEGER.test(field))) return undefined;
  const startTime = fields[22 - 3];
  return {
    pid: Number(pid),
    comm: text.slice(open + 2, close),
    state,
    ppid: Number(ppid),
    pgrp: Number(pgrp),
    session: Number(session),
    startTime: startTime !== undefined && /^[0-9]+$/.test(startTime) ? startTime : undefined,
  };
}

/** True for a process that has exited (a zombie, not yet reaped, or dead). */
export function hasExited(stat: Pick<ProcStat, 'state'>): boolean {
  return stat.state === 'Z' || stat.state === 'X';
}

/**
 * Reads and parses `/proc/PID/stat` (under `root`, for tests); the read's errors are thrown
 * as they are (ENOENT: no such process), undefined when the text has not the shape of a stat line.
 */
export function readProcStat(pid: number | string, root = '/proc'): ProcStat | undefined {
  return parseProcStat(readFileSync(join(root, String(pid), 'stat'), 'latin1'));
}
