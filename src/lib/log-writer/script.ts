/**
 * multilog's script language, classified exactly as daemontools does: by the first character
 * of each argument, with `t` honoured only as the first argument and unknown actions ignored.
 * `s`, `n` and `!` are positional: they apply to the directories that follow them.
 */
export const DEFAULT_SIZE = 99_999;
export const MIN_SIZE = 4096;
export const MAX_SIZE = 16_777_215;
export const DEFAULT_NUM = 10;
export const MIN_NUM = 2;

export interface DirectorySettings {
  /** The argument as typed (`./main`); messages name it so. */
  readonly path: string;
  readonly size: number;
  readonly num: number;
  readonly processor: string | undefined;
}

export type Action =
  | {readonly kind: 'select'; readonly pattern: Buffer}
  | {readonly kind: 'deselect'; readonly pattern: Buffer}
  | {readonly kind: 'stderr'}
  | {readonly kind: 'status'; readonly path: string}
  | {readonly kind: 'directory'; readonly index: number};

export interface Script {
  readonly timestamp: boolean;
  /** Selection-relevant actions in order (s/n/! and ignored arguments are dropped). */
  readonly actions: readonly Action[];
  readonly directories: readonly DirectorySettings[];
  /** `=file` paths in script order. */
  readonly statusFiles: readonly string[];
}

/** djb's scan_ulong: the leading decimal digits (none → 0), as an exact integer. */
function leadingNumber(text: string): bigint {
  const digits = /^[0-9]*/.exec(text)![0];
  return digits === '' ? 0n : BigInt(digits);
}

function clamp(value: bigint, min: number, max: number): number {
  if (value < BigInt(min)) return min;
  if (value > BigInt(max)) return max;
  return Number(value);
}

/** Never fails: every argument means something or is silently ignored, as in multilog. */
export function parseScript(args: readonly string[]): Script {
  const actions: Action[] = [];
  const directories: DirectorySettings[] = [];
  const statusFiles: string[] = [];
  let size = DEFAULT_SIZE;
  let num = DEFAULT_NUM;
  let processor: string | undefined;
  for (const arg of args) {
    switch (arg[0]) {
      case 's':
        size = clamp(leadingNumber(arg.slice(1)), MIN_SIZE, MAX_SIZE);
        break;
      case 'n':
        num = clamp(leadingNumber(arg.slice(1)), MIN_NUM, Number.MAX_SAFE_INTEGER);
        break;
      case '!':
        processor = arg.slice(1);
        break;
      case '+':
        actions.push({kind: 'select', pattern: Buffer.from(arg.slice(1))});
        break;
      case '-':
        actions.push({kind: 'deselect', pattern: Buffer.from(arg.slice(1))});
        break;
      case 'e':
        actions.push({kind: 'stderr'});
        break;
      case '=':
        actions.push({kind: 'status', path: arg.slice(1)});
        statusFiles.push(arg.slice(1));
        break;
      case '.':
      case '/':
        actions.push({kind: 'directory', index: directories.length});
        directories.push({path: arg, size, num, processor});
        break;
      default:
        break;
    }
  }
  return {timestamp: args[0]?.[0] === 't', actions, directories, statusFiles};
}
