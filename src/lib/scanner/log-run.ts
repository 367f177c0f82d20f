import {closeSync, constants, fstatSync, openSync, readSync} from 'node:fs';

/** The longest `log/run` looked at; the common form is one short line. */
const MAX_BYTES = 4096;
/**
 * An argument of the common form: nothing /bin/sh would read as anything but itself (`!` is
 * special only as a command's first word, so `!PROCESSOR` passes as it is).
 */
const PLAIN_WORD = /^[A-Za-z0-9_./,:+=@%^!-]+$/;
/** setuidgid's account in the common form: a plain name (not an option-looking word). */
const ACCOUNT_WORD = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;

/** A `log/run` that svscan may run in its own process: multilog's arguments, and the account of `setuidgid USER`. */
export interface CommonLogScript {
  readonly args: string[];
  /** `exec setuidgid USER multilog …`: multilog runs as USER (looked up at each start). */
  readonly user?: string;
}

/**
 * The multilog arguments of a `log/run` of one of the exact common forms
 *
 *     #!/bin/sh
 *     exec multilog ARG...
 *
 *     #!/bin/sh
 *     exec setuidgid USER multilog ARG...
 *
 * (single spaces, a final newline, every argument a plain word that /bin/sh would pass on
 * unchanged, USER a plain account name, `setuidgid` and `multilog` found on PATH), which svscan
 * may run in its own process with the same effect as the script. Anything else (another
 * program, another wrapper, quoting, variables, patterns, a second line), and a file that cannot
 * be read, is undefined: the script runs as a process. It must be a regular file with an
 * execute bit, as exec would need.
 */
export function commonLogScript(path: string | Buffer): CommonLogScript | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || (stats.mode & 0o111) === 0 || stats.size > MAX_BYTES) return undefined;
    const buffer = Buffer.alloc(MAX_BYTES + 1);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return parseCommonLogScript(buffer.subarray(0, length).toString('latin1'));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The arguments (and account) of `text` when it is exactly `#!/bin/sh\nexec multilog ARG...\n`
 * or `#!/bin/sh\nexec setuidgid USER multilog ARG...\n`, else undefined.
 */
export function parseCommonLogScript(text: string): CommonLogScript | undefined {
  const match = /^#!\/bin\/sh\nexec (?:setuidgid ([^ \n]+) )?multilog ((?:[^ \n]+ )*[^ \n]+)\n$/.exec(text);
  if (!match) return undefined;
  const user = match[1];
  if (user !== undefined && !ACCOUNT_WORD.test(user)) return undefined;
  const args = match[2]!.split(' ');
  if (!args.every((arg) => PLAIN_WORD.test(arg))) return undefined;
  return user === undefined ? {args} : {args, user};
}
