import {takeLauncherEnvironment} from '../sys/launcher.js';
import {RLIM_INFINITY, type ResourceLimit} from '../supervisor/child.js';
import {readOpenFileLimit, type OpenFileLimit} from '../sys/open-file-limit.js';

/**
 * The open-files limit a supervised `./run` starts with. Node raises its own soft limit to the
 * hard limit at start-up, and children would inherit that (a service using select() breaks past
 * 1024). A supervisor started through keepup's launcher knows the soft limit its caller gave it
 * and hands that on, as daemontools does (`softlimit -o 4096 svscan`); started any other way it
 * cannot know, and services get 1024 (or the hard limit, if lower), the split systemd uses.
 */
export const DEFAULT_SERVICE_NOFILE = 1024;

export function serviceOpenFileLimit(own: OpenFileLimit, started: bigint | 'unlimited' | undefined): OpenFileLimit {
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
  const started = takeLauncherEnvironment(env);
  const own = readOpenFileLimit();
  return own ? [openFilesLimit(serviceOpenFileLimit(own, started))] : [];
}
