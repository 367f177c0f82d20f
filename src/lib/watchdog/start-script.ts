import {join} from 'node:path';
import {checkTrustedPath} from '../security/trusted-path.js';

/**
 * Where a daemon's start script really is, and whether it may be run as root.
 *
 * The script is `startDir/SCRIPT`, SCRIPT a plain file name (the config refuses slashes and
 * leading dots). It may be a symlink (rc.d style: `start-scripts/apache -> /etc/init.d/apache`),
 * but whatever it finally resolves to must be a regular file, executable, owned by root (or by
 * the invoking user when not root), not group- or world-writable, and so must every directory
 * and symlink on the way to it, from `/` (security/trusted-path). The check is made just before
 * the script is run: since only a trusted uid can change any part of the path, nobody else can
 * swap the file between the check and the exec.
 */
/** `path` is what to run (the name in startDir, so `$0` stays as rc.d scripts expect); `target` what it resolves to. */
export type ScriptOutcome = {ok: true; path: string; target: string} | {ok: false; problem: string};

export function resolveStartScript(startDir: string, script: string, uids: readonly number[]): ScriptOutcome {
  const path = join(startDir, script);
  const dir = checkTrustedPath(startDir, 'directory', uids);
  if (!dir.ok) return {ok: false, problem: dir.cause ? `unable to find startDir ${startDir}: ${dir.problem}` : `refusing startDir ${startDir}: ${dir.problem}`};
  const file = checkTrustedPath(path, 'executable', uids);
  if (!file.ok) {
    return {ok: false, problem: file.cause?.code === 'ENOENT' ? `unable to find start script ${path}: ${file.problem}` : `refusing start script ${path}: ${file.problem}`};
  }
  return {ok: true, path, target: file.real};
}
