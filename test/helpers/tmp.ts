import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {ExecutionContext} from 'ava';

/** A fresh directory removed when the test ends. */
export function tmpDir(t: ExecutionContext, prefix = 'keepup-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  return dir;
}
