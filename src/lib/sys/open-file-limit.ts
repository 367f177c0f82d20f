import {readFileSync} from 'node:fs';

/** RLIMIT_NOFILE as /proc/PID/limits shows it; `unlimited` is Infinity. */
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
