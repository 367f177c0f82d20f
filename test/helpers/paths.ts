import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
  return dir;
}

/** The repository root (tests run from compiled/test/…, so walk up to package.json). */
export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
/** The built command `name` (dist/bin/NAME.js). */
export function bin(name: string): string {
  return join(ROOT, 'dist', 'bin', `${name}.js`);
}
