import {readdirSync, readFileSync, readlinkSync} from 'node:fs';
import {join} from 'node:path';
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

/** Parent, session and zombie state from a `stat` line (proc/stat parses it); undefined when malformed. */
export function parseStat(text: string): {ppid: number; session: number; zombie: boolean} | undefined {
  const stat = parseProcStat(text);
  return stat && {ppid: stat.ppid, session: stat.session, zombie: stat.state === 'Z'};
}

/** Reads every numeric entry of `root`; a process that vanishes while being read is skipped. */
export function readProcTable(root: string): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync(root)) {
    if (!/^[1-9][0-9]*$/.test(name)) continue;
    const dir = join(root, name);
    try {
      const stat = parseStat(readFileSync(join(dir, 'stat'), 'utf8'));
      entries.push({
        pid: Number(name),
        comm: parseComm(readFileSync(join(dir, 'comm'), 'utf8')),
        argv: parseCmdline(readFileSync(join(dir, 'cmdline'))),
        ...exeOf(dir),
        ...(stat ?? {}),
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
    return {exe: readlinkSync(join(dir, 'exe'))};
  } catch {
    return {};
  }
}
