import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {existsSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import type {ExecutionContext} from 'ava';
import {bin} from './paths.js';
import {isAlive} from './processes.js';
import {pidOf} from './service-pid.js';
import {PATIENT, waitFor} from './wait-for.js';

export interface ResidentKeepup {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/**
 * Runs `keepup supervise --config CONFIG`. At test end it gets SIGTERM (services down, then
 * exit), SIGKILL if it lingers, and every child still named in a status file under `serviceDir`
 * (its `.removed/` too) is killed with its process group.
 */
export function startResident(t: ExecutionContext, config: string, serviceDir: string, env?: NodeJS.ProcessEnv): ResidentKeepup {
  const child = spawn(process.execPath, [bin('keepup'), 'supervise', '--config', config], {stdio: ['ignore', 'pipe', 'pipe'], ...(env ? {env} : {})});
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = child.exitCode !== null ? Promise.resolve(child.exitCode) : once(child, 'exit').then(([code]) => code as number | null);
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    for (const pid of statusPids(serviceDir)) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await waitFor(() => !isAlive(pid), `service child ${pid} to die`, PATIENT);
    }
  });
  return {child, stdout: () => stdout, stderr: () => stderr, exited};
}

/** Pids recorded in `supervise/status` of every service (and logger) under `serviceDir`, removed ones too. */
function statusPids(serviceDir: string): number[] {
  const pids: number[] = [];
  const dirs = (parent: string) => (existsSync(parent) ? readdirSync(parent).map((name) => join(parent, name)) : []);
  for (const dir of [...dirs(serviceDir), ...dirs(join(serviceDir, '.removed'))]) {
    for (const service of [dir, join(dir, 'log')]) {
      const pid = pidOf(service);
      if (pid) pids.push(pid);
    }
  }
  return pids;
}
