import {readFileSync} from 'node:fs';
import {restoreCallerPwd} from '../sys/launcher.js';
import type {ProcessCalls} from '../sys/native.js';
import {RLIM_INFINITY, type ResourceLimit} from '../supervisor/child.js';

/**
 * The open-files limit (RLIMIT_NOFILE), in one place: what this process has, what it was
 * started with, what a program it starts gets. Node raises its own soft limit to the hard limit
 * at start-up and forgets the old value; a program started from it would inherit the raised one
 * (a service using select() breaks past 1024). The commands that start other programs (the
 * chain-loaders, supervise, svscan) are therefore launched by a /bin/sh prologue (written by
 * scripts/build.mjs) that records the caller's soft limit in NOFILE_VARIABLE before exec'ing
 * node; this module reads it back and gives that limit on, as daemontools does.
 */

/** RLIMIT_NOFILE as /proc/PID/limits shows it; `unlimited` is Infinity. */
export interface OpenFileLimit {
  soft: number;
  hard: number;
}

/** The soft limit the command was started with: a number, 'unlimited', or unknown. */
export type StartedOpenFiles = bigint | 'unlimited' | undefined;

/** The launcher's variable: `$(ulimit -Sn)` of the caller. */
export const NOFILE_VARIABLE = 'KEEPUP_NOFILE';

/** Services of a supervisor that cannot know its caller's limit get this (or the hard limit, if lower), the split systemd uses. */
export const DEFAULT_SERVICE_NOFILE = 1024;

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

/**
 * Takes the launcher's variables out of `env` (restoring the caller's PWD, see sys/launcher.ts)
 * and returns the open-files soft limit the command was started with: undefined when it was not
 * started through the launcher (e.g. `node dist/bin/X.js`) or the value is garbage.
 */
export function takeStartedOpenFiles(env: NodeJS.ProcessEnv = process.env): StartedOpenFiles {
  const started = env[NOFILE_VARIABLE];
  restoreCallerPwd(env, started !== undefined);
  delete env[NOFILE_VARIABLE];
  if (started === 'unlimited') return 'unlimited';
  return started !== undefined && /^[0-9]{1,20}$/.test(started) ? BigInt(started) : undefined;
}

/**
 * The open-files limit a supervised `./run` starts with. A supervisor started through keepup's
 * launcher knows the soft limit its caller gave it and hands that on, as daemontools does
 * (`softlimit -o 4096 svscan`); started any other way it cannot know, and services get
 * DEFAULT_SERVICE_NOFILE.
 */
export function serviceOpenFileLimit(own: OpenFileLimit, started: StartedOpenFiles): OpenFileLimit {
  const wanted = started === 'unlimited' ? Infinity : started !== undefined ? Number(started) : DEFAULT_SERVICE_NOFILE;
  return {soft: Math.min(wanted, own.hard), hard: own.hard};
}

/** The setrlimit that gives `./run` that limit (set in the forked child, before execve). */
export function openFilesLimit(limit: OpenFileLimit): ResourceLimit {
  return {resource: 'RLIMIT_NOFILE', soft: rlimitValue(limit.soft), hard: rlimitValue(limit.hard)};
}

/** A limit as setrlimit takes it: Infinity is RLIM_INFINITY. */
export function rlimitValue(value: number): bigint {
  return Number.isFinite(value) ? BigInt(value) : RLIM_INFINITY;
}

/**
 * For a supervisor's `main`: takes the launcher's variables out of the environment (services
 * never see them) and returns the limits for every `./run`; none where /proc is missing.
 */
export function serviceLimitsFromStartup(env: NodeJS.ProcessEnv = process.env): ResourceLimit[] {
  const started = takeStartedOpenFiles(env);
  const own = readOpenFileLimit();
  return own ? [openFilesLimit(serviceOpenFileLimit(own, started))] : [];
}

/**
 * For a chain-loader, which execs its program in this process: lowers this process's soft limit
 * back to the one it was started with (the launcher's record), so the program inherits that.
 * Only ever lowers it; an `unlimited` or unknown start leaves it as it is.
 */
export function restoreStartedOpenFiles(calls: Pick<ProcessCalls, 'getrlimit' | 'setrlimit' | 'RLIMIT_NOFILE'>, env: NodeJS.ProcessEnv = process.env): void {
  const started = takeStartedOpenFiles(env);
  restoreOpenFilesLimit(calls, typeof started === 'bigint' ? String(started) : undefined);
}

/** Lowers the NOFILE soft limit back to `started` (a decimal or `unlimited`); other text is ignored. */
export function restoreOpenFilesLimit(calls: Pick<ProcessCalls, 'getrlimit' | 'setrlimit' | 'RLIMIT_NOFILE'>, started: string | undefined): void {
  if (started === undefined || !/^[0-9]{1,20}$/.test(started)) return;
  const own = calls.getrlimit(calls.RLIMIT_NOFILE);
  if (typeof own === 'number') return;
  const [soft, hard] = own;
  const wanted = BigInt(started);
  if (wanted < soft) calls.setrlimit(calls.RLIMIT_NOFILE, wanted, hard);
}
