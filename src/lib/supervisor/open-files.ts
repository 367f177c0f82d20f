import {takeLauncherEnvironment} from '../sys/launcher.js';
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

/** The chain-loader prefix that gives `./run` that limit (prlimit execs, so the pid stays the service's). */
export function openFilesPrefix(limit: OpenFileLimit): string[] {
  const text = (value: number) => (Number.isFinite(value) ? String(value) : 'unlimited');
  return ['prlimit', `--nofile=${text(limit.soft)}:${text(limit.hard)}`, '--'];
}

/**
 * For a supervisor's `main`: takes the launcher's variables out of the environment (services
 * never see them) and returns the prefix for every `./run`; none where /proc is missing.
 */
export function servicePrefixFromStartup(env: NodeJS.ProcessEnv = process.env): string[] {
  const started = takeLauncherEnvironment(env);
  const own = readOpenFileLimit();
  return own ? openFilesPrefix(serviceOpenFileLimit(own, started)) : [];
}
