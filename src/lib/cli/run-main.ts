import {GetoptError} from './getopt.js';
import {EXIT_INTERNAL, EXIT_OK} from './exit-codes.js';
import {FatalError, KeepupError, UsageError} from './errors.js';
import {fatalLine, usageLine, writeStderr} from './messages.js';
import {packageVersion} from '../sys/package-root.js';

export type Main = (args: string[]) => Promise<number | void> | number | void;

/**
 * The one place that turns a command's outcome into stderr text and an exit code.
 * It sets `process.exitCode` and never calls `process.exit()`, so pending output drains.
 */
export async function runMain(prog: string, main: Main, args: string[] = process.argv.slice(2)): Promise<void> {
  // A lone --version, for every command: which keepup it is (daemontools' commands had none,
  // and took --version as a usage error).
  if (args.length === 1 && args[0] === '--version') {
    process.stdout.write(prog === 'keepup' ? `keepup ${packageVersion()}\n` : `${prog} (keepup ${packageVersion()})\n`);
    process.exitCode = EXIT_OK;
    return;
  }
  try {
    const code = await main(args);
    process.exitCode = code ?? EXIT_OK;
  } catch (error) {
    writeStderr(describe(prog, error));
    process.exitCode = error instanceof KeepupError ? error.exitCode : EXIT_INTERNAL;
  }
}

/** The stderr text for a thrown value. */
export function describe(prog: string, error: unknown): string {
  if (error instanceof UsageError) {
    const usage = error.bare ? `${error.message}\n` : usageLine(prog, error.message);
    return error.preface.join('') + usage;
  }
  if (error instanceof FatalError) return fatalLine(prog, error.message);
  if (error instanceof KeepupError) return fatalLine(prog, error.message);
  if (error instanceof GetoptError) return error.line;
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return fatalLine(prog, `internal error: ${text.split('\n').join(' | ')}`);
}

/** Turns a getopt failure into the program's usage error, with sgetopt's line first. */
export function usageAfter(error: unknown, synopsis: string, options: {bare?: boolean; exitCode?: number} = {}): never {
  if (error instanceof GetoptError) throw new UsageError(synopsis, {...options, preface: [error.line]});
  throw error;
}
