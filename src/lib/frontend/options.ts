import {parseArgs} from 'node:util';
import {UsageError} from '../cli/errors.js';
import {errnoCode} from '../sys/errno.js';

/** What the service front-ends (svcstart, svcstop, svcreset, svcrestart) are told. */
export interface FrontendOptions {
  service: string;
  /** How long to wait for the service to come up or go down. */
  timeoutMs: number;
  /** How long the service must have stayed up, same pid, to count as really running. */
  settleMs: number;
  /** Create or remove SERVICE/down so the state survives a reboot. */
  persist: boolean;
}

export const DEFAULT_TIMEOUT_SECONDS = 10;
export const DEFAULT_SETTLE_SECONDS = 2;

export type FrontendOption = 'persist' | 'timeout' | 'settle';

const SYNOPSIS: Record<FrontendOption, string> = {
  persist: '[-P|--persist]',
  timeout: '[-t|--timeout seconds]',
  settle: '[-s|--settle seconds]',
};

export function frontendSynopsis(prog: string, accepted: readonly FrontendOption[]): string {
  return [prog, ...accepted.map((option) => SYNOPSIS[option]), 'service'].join(' ');
}

/**
 * Parses `[options] SERVICE` for a front-end that accepts `accepted`. Throws UsageError (exit
 * 100) with a first line naming the bad option or value.
 */
export function parseFrontendArgs(prog: string, args: readonly string[], accepted: readonly FrontendOption[]): FrontendOptions {
  const synopsis = frontendSynopsis(prog, accepted);
  const fail = (line: string): never => {
    throw new UsageError(synopsis, {preface: [`${prog}: ${line}\n`]});
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        ...(accepted.includes('persist') ? {persist: {type: 'boolean', short: 'P'}} : {}),
        ...(accepted.includes('timeout') ? {timeout: {type: 'string', short: 't'}} : {}),
        ...(accepted.includes('settle') ? {settle: {type: 'string', short: 's'}} : {}),
      },
    });
  } catch (error) {
    const option = /'([^']+)'/.exec((error as Error).message)?.[1] ?? '?';
    const code = errnoCode(error);
    return fail(code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? `option requires an argument: ${option.split(',')[0]}` : `illegal option: ${option}`);
  }
  const values = parsed.values as {persist?: boolean; timeout?: string; settle?: string};
  if (parsed.positionals.length !== 1) throw new UsageError(synopsis, {preface: parsed.positionals.length > 1 ? [`${prog}: one service at a time\n`] : []});
  const seconds = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback * 1000;
    if (!/^[0-9]{1,6}(\.[0-9]{1,3})?$/.test(text)) return fail(`bad ${name}: ${text}`);
    return Math.round(Number(text) * 1000);
  };
  return {
    service: parsed.positionals[0]!,
    timeoutMs: seconds('timeout', values.timeout, DEFAULT_TIMEOUT_SECONDS),
    settleMs: seconds('settle time', values.settle, DEFAULT_SETTLE_SECONDS),
    persist: values.persist ?? false,
  };
}
