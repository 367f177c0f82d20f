import {existsSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

/**
 * The package root: the first directory above `from` that holds package.json, so it is found
 * from the bundles in dist/bin and from the transpiled tests alike.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (isPackageRoot(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
}

/**
 * Whether DIR holds a package's own package.json: one with a name. The build's dist/bin holds a
 * nameless one that only says its bundles are CommonJS.
 */
export function isPackageRoot(dir: string): boolean {
  if (!existsSync(join(dir, 'package.json'))) return false;
  try {
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {name?: unknown};
    return typeof json.name === 'string';
  } catch {
    return false;
  }
}

/** keepup's version, from its package.json. */
export function packageVersion(): string {
  const json = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {version?: unknown};
  return typeof json.version === 'string' ? json.version : 'unknown';
}
