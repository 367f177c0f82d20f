import {UsageError} from './errors.js';
import {EXIT_OK} from './exit-codes.js';
import {packageVersion} from '../sys/package-root.js';

/**
 * A command made of subcommands (`keepup check`, `keepup cron`, …): a table from name to
 * handler, so adding one is one entry. `--help` (alone or after the name) prints the usage to
 * stdout and exits 0; a lone `--version` prints `PROG VERSION` (package.json's) and exits 0; no
 * name or an unknown one is a usage error.
 */
export interface Subcommand<C> {
  /** Arguments after the name, e.g. `[--config FILE] [--dry-run]`. */
  synopsis: string;
  summary: string;
  run(args: string[], context: C): Promise<number> | number;
}

export function usageText(prog: string, table: Record<string, Subcommand<never>>): string {
  const lines = Object.entries(table).map(([name, sub]) => `  ${prog} ${name} ${sub.synopsis}\n      ${sub.summary}\n`);
  return `usage:\n${lines.join('')}`;
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
  if (name === '--help' || (name !== undefined && Object.hasOwn(table, name) && rest.includes('--help'))) {
    out(usageText(prog, table));
    return EXIT_OK;
  }
  if (name === undefined || !Object.hasOwn(table, name)) {
    const preface = name === undefined ? [] : [`${prog}: unknown command -- ${name}\n`];
    throw new UsageError(synopsisLine(prog, table), {preface});
  }
  return table[name]!.run(rest, context);
}
