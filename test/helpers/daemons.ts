import {chmodSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync} from 'node:fs';
import {basename, join} from 'node:path';
import {randomBytes} from 'node:crypto';
import type {ExecutionContext} from 'ava';
import {tmpDir} from './tmp.js';
import {waitFor} from './wait-for.js';

/** Pids of processes whose kernel name is `comm` (read from /proc). */
export function pidsByComm(comm: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(join('/proc', name, 'comm'), 'utf8').trimEnd() === comm) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}

/**
 * Pids of the test daemons called `comm`: processes of that kernel name running the sleep
 * binary. A start script has the same kernel name while it runs (the kernel names a script
 * after its file) and a killed daemon keeps it as a zombie; neither is counted.
 */
export function daemonPids(comm: string): number[] {
  return pidsByComm(comm).filter((pid) => {
    try {
      return basename(readlinkSync(join('/proc', String(pid), 'exe'))) === 'sleep';
    } catch {
      return false;
    }
  });
}

/** A name no other test or engineer uses: `kp` + 10 hex digits (fits the kernel's 15). */
export function uniqueName(prefix = 'kp'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export interface WatchdogSetup {
  dir: string;
  config: string;
  startDir: string;
  stateDir: string;
  binDir: string;
  /** Writes the config file (mode 0644) with startDir and stateDir filled in before `rest`. */
  writeConfig(rest: string, options?: {mode?: number}): void;
  /**
   * Adds a daemon: a symlink NAME -> sleep (so the kernel calls it NAME) and a start script
   * startDir/NAME that starts it in the background. The process is killed at the test's end.
   */
  addDaemon(name?: string, options?: {script?: string}): string;
}

export function watchdogSetup(t: ExecutionContext): WatchdogSetup {
  const dir = tmpDir(t, 'keepup-watchdog-');
  const startDir = join(dir, 'start-scripts');
  const stateDir = join(dir, 'state');
  const binDir = join(dir, 'bin');
  mkdirSync(startDir, {mode: 0o755});
  mkdirSync(binDir, {mode: 0o755});
  chmodSync(startDir, 0o755);
  const config = join(dir, 'watchdog.config.yaml');
  const names: string[] = [];
  t.teardown(() => {
    for (const name of names) for (const pid of pidsByComm(name.slice(0, 15))) killGroupQuietly(pid);
  });
  return {
    dir,
    config,
    startDir,
    stateDir,
    binDir,
    writeConfig(rest, options = {}) {
      writeFileSync(config, `startDir: start-scripts\nstateDir: state\n${rest}`);
      chmodSync(config, options.mode ?? 0o644);
    },
    addDaemon(name = uniqueName(), options = {}) {
      names.push(name);
      symlinkSync(sleepPath(), join(binDir, name));
      const script = options.script ?? `#!/bin/sh\necho "starting ${name}"\n"${binDir}/${name}" 600 </dev/null >/dev/null 2>&1 &\necho "started, pid $!"\n`;
      writeFileSync(join(startDir, name), script);
      chmodSync(join(startDir, name), 0o755);
      return name;
    },
  };
}

function sleepPath(): string {
  for (const path of ['/usr/bin/sleep', '/bin/sleep']) {
    try {
      readFileSync(path, {flag: 'r'}).subarray(0, 1);
      return path;
    } catch {
      // try the next
    }
  }
  throw new Error('no sleep binary');
}

export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** Kills the process group led by `pid` (a start script's session), then `pid` itself. */
export function killGroupQuietly(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // not a group leader, or gone
  }
  killQuietly(pid);
}

/**
 * Waits until exactly one daemon called `comm` runs (other than `not`, a pid just killed) and
 * returns its pid. One table read per poll, so a kill landing between two reads cannot fool it.
 */
export async function waitForDaemon(comm: string, options: {not?: number; timeoutMs?: number} = {}): Promise<number> {
  return waitFor(
    () => {
      const pids = daemonPids(comm);
      return pids.length === 1 && pids[0] !== options.not ? pids[0] : undefined;
    },
    `exactly one ${comm} running${options.not ? ` other than ${options.not}` : ''}`,
    {timeoutMs: options.timeoutMs ?? 90_000},
  );
}
