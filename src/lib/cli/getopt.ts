import {basename} from 'node:path';

/**
 * djb's sgetopt: short options only, options before operands (no permutation), `--` ends
 * them, a lone `-` is an operand. `spec` is like `"udopchaitkx"` or `"nNxXa:"` (`:` = takes an
 * argument, attached `-o12` or separate `-o 12`).
 */
export interface ParsedOptions {
  /** Options in the order given, duplicates kept. */
  options: Array<{option: string; value?: string}>;
  operands: string[];
}

/** Thrown for a bad option; `line` is what sgetopt prints before the program's own usage. */
export class GetoptError extends Error {
  readonly line: string;
  constructor(line: string) {
    super(line);
    this.line = line;
  }
}
Object.defineProperty(GetoptError.prototype, 'name', {value: 'GetoptError'});

export function getopt(argv0: string, args: readonly string[], spec: string): ParsedOptions {
  const prog = basename(argv0);
  const options: ParsedOptions['options'] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (arg.length < 2 || arg[0] !== '-') break;
    for (let j = 1; j < arg.length; j++) {
      const option = arg[j]!;
      const at = option === ':' ? -1 : spec.indexOf(option);
      if (at < 0) throw new GetoptError(`${prog}: illegal option -- ${option}\n`);
      if (spec[at + 1] !== ':') {
        options.push({option});
        continue;
      }
      if (j + 1 < arg.length) {
        options.push({option, value: arg.slice(j + 1)});
      } else if (i + 1 < args.length) {
        options.push({option, value: args[++i]!});
      } else {
        throw new GetoptError(`${prog}: option requires an argument -- ${option}\n`);
      }
      break;
    }
  }
  return {options, operands: args.slice(i)};
}
