import {UsageError} from './errors.js';
import {EXIT_OK} from './exit-codes.js';
import {packageVersion} from '../sys/package-root.js';

/**
 * A command made of subcommands (`keepup check`, `keepup cron`, …): a table from name to
 * handler, so adding one is one entry. `--help` prints every subcommand's usage, `NAME --help`
 * that subcommand's options, to stdout, and exits 0; a lone `--version` prints `PROG VERSION` (package.json's) and exits 0; no
 * name or an unknown one is a usage error.
 */
export interface Subcommand<C> {
  /** Arguments after the name, e.g. `[--config FILE] [--dry-run]`. */
  synopsis: string;
  summary: string;
  /** Every option the subcommand takes (`--config FILE`), with what it does: `keepup NAME --help` lists them. */
  options: ReadonlyArray<readonly [string, string]>;
  run(args: string[], context: C): Promise<number> | number;
}

export function usageText(prog: string, table: Record<string, Subcommand<never>>): string {
  const lines = Object.entries(table).map(([name, sub]) => `  ${prog} ${name} ${sub.synopsis}\n      ${sub.summary}\n`);
  return `usage:\n${lines.join('')}`;
}

/** `keepup NAME --help`: the synopsis, the summary, and every option with what it does. */
export function subcommandHelp(prog: string, name: string, sub: Subcommand<never>): string {
  const options = [...sub.options, ['--help', 'print this and exit 0'] as const];
  const width = Math.max(...options.map(([flag]) => flag.length));
  return `usage: ${prog} ${name} ${sub.synopsis}\n  ${sub.summary}\n\noptions:\n${options.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}\n`).join('')}`;
}

export function synopsisLine(prog: string, table: Record<string, Subcommand<never>>): string {
  return `${prog} ${Object.keys(table).join('|')} [--config FILE] …   (${prog} --help for more)`;
}

export async function dispatch<C>(prog: string, table: Record<string, Subcommand<C>>, args: readonly string[], context: C, out: (text: string) => void): Promise<number> {
  const [name, ...rest] = args;
  if (name === '--version' && rest.length === 0) {
    out(`${prog} ${packageVersion()}\n`);
    return EXIT_OK;
  }
  if (name === '--help') {
    out(`${usageText(prog, table)}\n  ${prog} --version\n      print the version and exit 0\n  ${prog} NAME --help\n      the options of NAME\n`);
    return EXIT_OK;
  }
  if (name !== undefined && Object.hasOwn(table, name) && rest.includes('--help')) {
    out(subcommandHelp(prog, name, table[name]!));
    return EXIT_OK;
  }
  if (name === undefined || !Object.hasOwn(table, name)) {
    const preface = name === undefined ? [] : [`${prog}: unknown command -- ${name}\n`];
    throw new UsageError(synopsisLine(prog, table), {preface});
  }
  return table[name]!.run(rest, context);
}
