import {chmodSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {ExecutionContext} from 'ava';
import {run, spawnTracked} from './processes.js';
import {tmpDir} from './tmp.js';
import {waitFor} from './wait-for.js';

/**
 * A service directory with RUN as its run script (and a `down` file when asked), supervised by
 * the REAL daemontools supervise (/usr/bin). supervise and everything it started are killed
 * when the test ends. Resolves once `svok` says supervise is running.
 */
export async function realSupervised(t: ExecutionContext, runScript: string, options: {down?: boolean} = {}): Promise<string> {
  const dir = join(tmpDir(t), 'service');
  mkdirSync(dir);
  writeFileSync(join(dir, 'run'), `#!/bin/sh\n${runScript}\n`);
  chmodSync(join(dir, 'run'), 0o755);
  if (options.down) writeFileSync(join(dir, 'down'), '');
  spawnTracked(t, '/usr/bin/supervise', [dir], {detached: true});
  await waitFor(async () => (await run('/usr/bin/svok', [dir])).code === 0, 'supervise to run', {timeoutMs: 20_000});
  return dir;
}

/** The pid svstat reports as up, or 0. */
export async function upPid(dir: string): Promise<number> {
  const {stdout} = await run('/usr/bin/svstat', [dir]);
  return Number(/: up \(pid (\d+)\)/.exec(stdout)?.[1] ?? 0);
}

/** Writes an executable script DIR/NAME. */
export function writeScript(dir: string, name: string, body: string): void {
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
}
