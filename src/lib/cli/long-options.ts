import {parseArgs} from 'node:util';
import {UsageError} from './errors.js';

/**
 * GNU-style long options for keepup's subcommands: `--name VALUE`, `--name=VALUE`, `--flag`,
 * `--` ends options. Operands are refused beyond what the subcommand takes. Problems become the
 * subcommand's usage error, preceded by a line naming the bad argument. The splitting is node's
 * `util.parseArgs` (the front-ends use it too); this module only words the problems, in the
 * order they appear, which parseArgs's strict mode cannot do.
 */
export type OptionSpec = Record<string, 'flag' | 'value'>;

export function parseLongOptions(prog: string, args: readonly string[], spec: OptionSpec, synopsis: string): Map<string, string | true> {
  return parseOptionsAndOperands(prog, args, spec, synopsis, 0).values;
}

/** The same for a subcommand taking up to `maxOperands` operands (`keepup reset NAME`), in order. */
export function parseOptionsAndOperands(
  prog: string,
  args: readonly string[],
  spec: OptionSpec,
  synopsis: string,
  maxOperands: number,
): {values: Map<string, string | true>; operands: string[]} {
  const operands: string[] = [];
  const bad = (line: string): never => {
    throw new UsageError(synopsis, {preface: [`${prog}: ${line}\n`]});
  };
  const options = Object.fromEntries(Object.entries(spec).map(([name, kind]) => [name, {type: kind === 'flag' ? ('boolean' as const) : ('string' as const)}]));
  const {tokens} = parseArgs({args: [...args], options, strict: false, allowPositionals: true, tokens: true});
  const values = new Map<string, string | true>();
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional' && operands.length < maxOperands) {
      operands.push(token.value);
      continue;
    }
    if (token.kind === 'positional' || !token.rawName.startsWith('--')) bad(`unexpected argument -- ${args[token.index]}`);
    if (token.kind !== 'option') continue;
    // parseArgs reads `--=x` as an option named `=x`; here the name ends at the first `=`.
    const name = token.rawName.slice(2).split('=')[0]!;
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) bad(`illegal option -- ${name}`);
    if (kind === 'flag') {
      if (token.inlineValue) bad(`option takes no argument -- ${name}`);
      values.set(name, true);
    } else if (token.value === undefined) {
      bad(`option requires an argument -- ${name}`);
    } else {
      values.set(name, token.value);
    }
  }
  return {values, operands};
}
