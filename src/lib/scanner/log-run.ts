import {closeSync, constants, fstatSync, openSync, readSync} from 'node:fs';

/** The longest `log/run` looked at; the common form is one short line. */
const MAX_BYTES = 4096;
/** An argument of the common form: nothing /bin/sh would read as anything but itself. */
const PLAIN_WORD = /^[A-Za-z0-9_./,:+=@%^-]+$/;

/**
 * The multilog arguments of a `log/run` of the exact common form
 *
 *     #!/bin/sh
 *     exec multilog ARG...
 *
 * (single spaces, a final newline, every argument a plain word that /bin/sh would pass on
 * unchanged, `multilog` found on PATH), which svscan may run in its own process with the same
 * effect as the script. Anything else (another program, `setuidgid`, quoting, variables,
 * patterns, a second line), and a file that cannot be read, is undefined: the script runs as a
 * process. It must be a regular file with an execute bit, as exec would need.
 */
export function commonLogScript(path: string | Buffer): string[] | undefined {
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

/** The arguments of `text` when it is exactly `#!/bin/sh\nexec multilog ARG...\n`, else undefined. */
export function parseCommonLogScript(text: string): string[] | undefined {
  const match = /^#!\/bin\/sh\nexec multilog ((?:[^ \n]+ )*[^ \n]+)\n$/.exec(text);
  if (!match) return undefined;
  const args = match[1]!.split(' ');
  return args.every((arg) => PLAIN_WORD.test(arg)) ? args : undefined;
}
