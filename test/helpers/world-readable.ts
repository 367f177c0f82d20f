import {chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {ExecutionContext} from 'ava';
import {ROOT} from './paths.js';

/**
 * A copy of the built commands (dist/, the addon, package.json) in a directory every user can
 * read and search, for tests that run keepup's own commands as another user (nobody): the
 * checkout itself may sit under a directory only root can enter. Removed when the test ends.
 */
export function worldReadableBuild(t: ExecutionContext): string {
  const root = mkdtempSync(join(tmpdir(), 'keepup-build-'));
  t.teardown(() => rmSync(root, {recursive: true, force: true}));
  chmodSync(root, 0o755);
  cpSync(join(ROOT, 'dist'), join(root, 'dist'), {recursive: true});
  mkdirSync(join(root, 'build', 'Release'), {recursive: true, mode: 0o755});
  cpSync(join(ROOT, 'build', 'Release', 'keepup_process.node'), join(root, 'build', 'Release', 'keepup_process.node'));
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  return root;
}
