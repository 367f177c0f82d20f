import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';

/** A multilog directory's observable state with the variable parts set aside (rts.tests style). */
export interface LogDirSnapshot {
  /** `NAME MODE SIZE` per entry in name order, TAI64N names as `@x.s`/`@x.u`. */
  listing: string[];
  /** The finished files then `current`, concatenated, with line labels as `@x `. */
  content: string;
}

export const LABEL_NAME = /^@[0-9a-f]{24}\.[su]$/;

export function stripLabels(text: string): string {
  return text.replace(/^@[0-9a-f]{24} /gm, '@x ');
}

export function snapshotLogDir(dir: string): LogDirSnapshot {
  const names = readdirSync(dir).sort();
  const listing = names.map((name) => {
    const stats = statSync(join(dir, name));
    const shown = LABEL_NAME.test(name) ? `@x${name.slice(25)}` : name;
    return `${shown} ${(stats.mode & 0o7777).toString(8)} ${stats.isFile() ? stats.size : 'dir'}`;
  });
  const logs = [...names.filter((name) => name.startsWith('@')), ...names.filter((name) => name === 'current')];
  const content = stripLabels(logs.map((name) => readFileSync(join(dir, name), 'latin1')).join(''));
  return {listing, content};
}

/**
 * Every whole line logged in a multilog or svlogd directory, oldest first: the rotated files
 * (`@….s`, `@….u`) by name, then `current`. A partial last line is left out.
 */
export function loggedLines(dir: string): string[] {
  const names = existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => LABEL_NAME.test(name))
        .sort()
    : [];
  const text = [...names, 'current'].map((name) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'latin1') : '')).join('');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .slice(0, -1);
}
