import {realpathSync} from 'node:fs';
import {dirname, join, relative, isAbsolute, sep} from 'node:path';
import {checkTrusted} from '../security/ownership.js';
import {errorText} from '../cli/errno-text.js';

/**
 * Where a daemon's start script really is, and whether it may be run as root.
 *
 * The script is `startDir/SCRIPT`, SCRIPT a plain file name (the config refuses slashes and
 * leading dots). It may be a symlink (rc.d style: `start-scripts/apache -> /etc/init.d/apache`),
 * but whatever it finally resolves to must be a regular file, executable, owned by root (or by
 * the invoking user when not root), not group- or world-writable, in a directory that is not
 * group- or world-writable either. A target inside startDir passes the directory check with
 * startDir itself.
 */
/** `path` is what to run (the name in startDir, so `$0` stays as rc.d scripts expect); `target` what it resolves to. */
export type ScriptOutcome = {ok: true; path: string; target: string} | {ok: false; problem: string};

export function resolveStartScript(startDir: string, script: string, uids: readonly number[]): ScriptOutcome {
  const path = join(startDir, script);
  let target: string;
  try {
    target = realpathSync(path);
  } catch (error) {
    return {ok: false, problem: `unable to find start script ${path}: ${errorText(error)}`};
  }
  const file = checkTrusted(target, 'executable', uids);
  const shown = target === path ? path : `${path} (-> ${target})`;
  if (!file.ok) return {ok: false, problem: `refusing start script ${shown}: ${file.cause ? errorText(file.cause) : file.problem}`};
  let realStartDir: string;
  try {
    realStartDir = realpathSync(startDir);
  } catch (error) {
    return {ok: false, problem: `unable to find startDir ${startDir}: ${errorText(error)}`};
  }
  const inside = relative(realStartDir, target);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside) || inside.includes(sep)) {
    const parent = checkTrusted(dirname(target), 'directory', uids);
    if (!parent.ok) return {ok: false, problem: `refusing start script ${shown}: its directory ${dirname(target)}: ${parent.problem}`};
  }
  return {ok: true, path, target};
}
