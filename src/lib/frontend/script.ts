import {spawn} from 'node:child_process';
import {accessSync, constants, statSync} from 'node:fs';
import {join} from 'node:path';

/** How SERVICE/start or SERVICE/stop ended; 'absent' when there is no executable script. */
export type ScriptResult = 'absent' | {code: number} | {signal: NodeJS.Signals} | {error: NodeJS.ErrnoException};

/**
 * Runs DIR/NAME (start or stop) when it is an executable regular file, in DIR, with the
 * front-end's stdin/stdout/stderr, and reports how it ended. The script owns its own timing.
 */
export async function runServiceScript(dir: string, name: 'start' | 'stop'): Promise<ScriptResult> {
  const path = join(dir, name);
  try {
    if (!statSync(path).isFile()) return 'absent';
    accessSync(path, constants.X_OK);
  } catch {
    return 'absent';
  }
  return new Promise((resolve) => {
    const child = spawn(`./${name}`, [], {cwd: dir, stdio: 'inherit'});
    child.once('error', (error) => resolve({error}));
    child.once('exit', (code, signal) => resolve(signal ? {signal} : {code: code ?? 0}));
  });
}
