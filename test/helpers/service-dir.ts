import {chmodSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {ExecutionContext} from 'ava';
import {tmpDir} from './tmp.js';

export interface ServiceSpec {
  /** Body of `run` after `#!/bin/sh`; default `exec sleep 1000`. null: no run file. */
  run?: string | null;
  /** Create the `down` file. */
  down?: boolean;
  /** Extra files (name → content) in the service dir. */
  files?: Record<string, string>;
}

/** A service directory `NAME` inside a fresh temp dir (removed at test end). Returns [parent, dir]. */
export function makeService(t: ExecutionContext, spec: ServiceSpec = {}, name = 's1'): {parent: string; dir: string} {
  const parent = tmpDir(t, 'keepup-svc-');
  return {parent, dir: addService(parent, name, spec)};
}

/** Another service directory NAME inside `parent`; returns its path. */
export function addService(parent: string, name: string, spec: ServiceSpec = {}): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  if (spec.run !== null) {
    writeFileSync(join(dir, 'run'), `#!/bin/sh\n${spec.run ?? 'exec sleep 1000'}\n`);
    chmodSync(join(dir, 'run'), 0o755);
  }
  if (spec.down) writeFileSync(join(dir, 'down'), '');
  for (const [file, content] of Object.entries(spec.files ?? {})) writeFileSync(join(dir, file), content);
  return dir;
}

/** daemontools rts.tests' normalisation: `pid N` → `pid x`, `N seconds` → `x seconds`. */
export function normalise(text: string): string {
  return text.replace(/pid [0-9]+/g, 'pid x').replace(/[0-9]+ seconds/g, 'x seconds');
}
