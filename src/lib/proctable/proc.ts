import {readdirSync, readFileSync, readlinkSync} from 'node:fs';
import {parseProcStat} from '../proc/stat.js';
import type {ProcessEntry} from './entry.js';
import {errnoCode} from '../sys/errno.js';

/**
 * The Linux process table read straight from /proc, synchronously (1–4 ms for 200
 * processes): the kernel's process name from `comm` (what `ps -c` shows), the command line
 * from `cmdline`, and parent and session from `stat`. Parsers are pure and exported.
 */

/** `comm` is the name plus a newline. */
export function parseComm(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** `cmdline` is NUL-separated arguments with a trailing NUL; empty for kernel threads and zombies. */
export function parseCmdline(bytes: Buffer): string[] {
  if (bytes.length === 0) return [];
  const text = bytes.toString('utf8');
  const trimmed = text.endsWith('\0') ? text.slice(0, -1) : text;
  return trimmed.split('\0');
}

/** Name, parent, session and zombie state from a `stat` line (proc/stat parses it); undefined when malformed. */
export function parseStat(text: string): {comm: string; ppid: number; session: number; zombie: boolean} | undefined {
  const stat = parseProcStat(text);
  return stat && {comm: stat.comm, ppid: stat.ppid, session: stat.session, zombie: stat.state === 'Z'};
}

/**
 * Reads every numeric entry of `root`; a process that vanishes while being read is skipped.
 * Two reads per process, `stat` and `cmdline` (the name is the one between stat's parentheses,
 * the same as `comm`, which is read only when stat is malformed), and the `exe` link for
 * processes that can have one: not kernel threads (children of kthreadd, pid 2) nor zombies.
 * Paths are concatenated, not joined: join's normalisation was a third of the time.
 */
export function readProcTable(root: string): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  const base = root.endsWith('/') ? root : `${root}/`;
  for (const name of readdirSync(root)) {
    if (!/^[1-9][0-9]*$/.test(name)) continue;
    const dir = base + name;
    try {
      const stat = parseStat(readFileSync(`${dir}/stat`, 'utf8'));
      const pid = Number(name);
      const kernel = pid === 2 || stat?.ppid === 2;
      entries.push({
        pid,
        comm: stat?.comm ?? parseComm(readFileSync(`${dir}/comm`, 'utf8')),
        argv: parseCmdline(readFileSync(`${dir}/cmdline`)),
        ...(kernel || stat?.zombie ? {} : exeOf(dir)),
        ...(stat ? {ppid: stat.ppid, session: stat.session, zombie: stat.zombie} : {}),
      });
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ESRCH') continue;
      throw error;
    }
  }
  return entries;
}

/** The executable's path, when the link can be read (not for kernel threads, nor others' processes without privilege). */
function exeOf(dir: string): {exe?: string} {
  try {
    return {exe: readlinkSync(`${dir}/exe`)};
  } catch {
    return {};
  }
}
