import {UsageError} from './errors.js';

/**
 * GNU-style long options for keepup's subcommands: `--name VALUE`, `--name=VALUE`, `--flag`,
 * `--` ends options. Operands are refused: no subcommand takes any. Problems become the
 * subcommand's usage error, preceded by a line naming the bad argument.
 */
export type OptionSpec = Record<string, 'flag' | 'value'>;

export function parseLongOptions(prog: string, args: readonly string[], spec: OptionSpec, synopsis: string): Map<string, string | true> {
  const values = new Map<string, string | true>();
  const bad = (line: string): never => {
    throw new UsageError(synopsis, {preface: [`${prog}: ${line}\n`]});
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      if (i + 1 < args.length) bad(`unexpected argument -- ${args[i + 1]}`);
      break;
    }
    if (!arg.startsWith('--')) bad(`unexpected argument -- ${arg}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) bad(`illegal option -- ${name}`);
    if (kind === 'flag') {
      if (eq >= 0) bad(`option takes no argument -- ${name}`);
      values.set(name, true);
    } else if (eq >= 0) {
      values.set(name, arg.slice(eq + 1));
    } else if (i + 1 < args.length) {
      values.set(name, args[++i]!);
    } else {
      bad(`option requires an argument -- ${name}`);
    }
  }
  return values;
}
