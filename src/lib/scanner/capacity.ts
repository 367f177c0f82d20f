import {readFileSync} from 'node:fs';

/**
 * How many services one scanner can hold is bounded by its open-file limit, not by a table
 * size (daemontools and runit stop at 1000). Each service costs the scanner about this many
 * descriptors: control and ok FIFOs, the lock, the child's exit pipe, and a spare for status
 * writes; a service with a logger costs twice that plus its log pipe.
 */
export const FDS_PER_SERVICE = 5;
/** Descriptors Node itself keeps (epoll, signal pipes, stdio, libuv's threadpool). */
export const FDS_RESERVED = 64;

export interface OpenFileLimit {
  soft: number;
  hard: number;
}

/** Parses the "Max open files" row of /proc/PID/limits; undefined when absent. `unlimited` maps to Infinity. */
export function parseOpenFileLimit(limitsText: string): OpenFileLimit | undefined {
  const row = limitsText.split('\n').find((line) => line.startsWith('Max open files'));
  const match = row?.match(/^Max open files\s+(\S+)\s+(\S+)/);
  if (!match) return undefined;
  const value = (text: string) => (text === 'unlimited' ? Infinity : Number(text));
  return {soft: value(match[1]!), hard: value(match[2]!)};
}

/** This process's open-file limit, or undefined where /proc is not there. */
export function readOpenFileLimit(limitsPath = '/proc/self/limits'): OpenFileLimit | undefined {
  try {
    return parseOpenFileLimit(readFileSync(limitsPath, 'utf8'));
  } catch {
    return undefined;
  }
}

/** How many plain services (no logger) fit under `soft` open files. */
export function serviceCapacity(limit: OpenFileLimit): number {
  if (!Number.isFinite(limit.soft)) return Infinity;
  return Math.max(0, Math.floor((limit.soft - FDS_RESERVED) / FDS_PER_SERVICE));
}

/**
 * The open-file limit services start with. Node raises its own soft limit to the hard limit
 * before any of our code runs, so the limit svscan was started with cannot be recovered, and
 * children would inherit the raised one: a service that uses select() breaks past 1024. Services
 * therefore start with a soft limit of 1024 (or the hard limit, if lower) and svscan's hard limit,
 * the split systemd also uses; a service that needs more raises it (softlimit -o, or `limits:`).
 */
export const SERVICE_NOFILE_SOFT = 1024;

export function serviceOpenFileLimit(own: OpenFileLimit): OpenFileLimit {
  return {soft: Math.min(SERVICE_NOFILE_SOFT, own.hard), hard: own.hard};
}
