import {getSystemErrorName} from 'node:util';
import {errnoText} from '../cli/errno-text.js';
import {FatalError} from '../cli/errors.js';
import type {ProcessCalls} from '../sys/native.js';

type ResourceName = 'RLIMIT_AS' | 'RLIMIT_CORE' | 'RLIMIT_CPU' | 'RLIMIT_DATA' | 'RLIMIT_FSIZE' | 'RLIMIT_MEMLOCK' | 'RLIMIT_NOFILE' | 'RLIMIT_NPROC' | 'RLIMIT_RSS' | 'RLIMIT_STACK';

/** softlimit's options and the resources each sets, in daemontools' order (Linux has no VMEM/OFILE). */
export const SOFTLIMIT_OPTIONS: Readonly<Record<string, readonly ResourceName[]>> = {
  a: ['RLIMIT_AS'],
  c: ['RLIMIT_CORE'],
  d: ['RLIMIT_DATA'],
  f: ['RLIMIT_FSIZE'],
  l: ['RLIMIT_MEMLOCK'],
  m: ['RLIMIT_DATA', 'RLIMIT_STACK', 'RLIMIT_MEMLOCK', 'RLIMIT_AS'],
  o: ['RLIMIT_NOFILE'],
  p: ['RLIMIT_NPROC'],
  r: ['RLIMIT_RSS'],
  s: ['RLIMIT_STACK'],
  t: ['RLIMIT_CPU'],
};

/** The getopt spec of softlimit: every option takes a value. */
export const SOFTLIMIT_SPEC = Object.keys(SOFTLIMIT_OPTIONS)
  .map((option) => `${option}:`)
  .join('');

/** A soft limit to set: a number (clamped to the hard limit) or 'hard' (`=`: soft = hard). */
export interface LimitChange {
  resource: ResourceName;
  value: bigint | 'hard';
}

/**
 * The changes for softlimit's options in the order given; undefined for a value that is neither
 * `=` nor all decimal digits (softlimit then prints its usage). An empty value is 0, as
 * daemontools' scan_ulong reads it.
 */
export function limitChanges(options: ReadonlyArray<{option: string; value?: string}>): LimitChange[] | undefined {
  const changes: LimitChange[] = [];
  for (const {option, value = ''} of options) {
    if (value !== '=' && !/^[0-9]*$/.test(value)) return undefined;
    for (const resource of SOFTLIMIT_OPTIONS[option] ?? []) changes.push({resource, value: value === '=' ? 'hard' : BigInt(value || '0')});
  }
  return changes;
}

/**
 * The (resource, soft, hard) triples for pathexec to set just before the exec: the hard limit
 * is kept, a number above it becomes it. FatalError `getrlimit failed: ERR` as softlimit says.
 */
export function limitTriples(calls: ProcessCalls, changes: readonly LimitChange[]): bigint[] {
  const triples: bigint[] = [];
  for (const {resource, value} of changes) {
    const current = calls.getrlimit(calls[resource]);
    if (typeof current === 'number') throw new FatalError(`getrlimit failed: ${errnoText(getSystemErrorName(-current))}`);
    const hard = current[1];
    triples.push(BigInt(calls[resource]), value === 'hard' || value > hard ? hard : value, hard);
  }
  return triples;
}
