import {resolve} from 'node:path';
import {FatalError} from '../cli/errors.js';
import {EXIT_OK} from '../cli/exit-codes.js';
import {parseLongOptions} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {trustedUids} from '../security/ownership.js';
import type {KeepupContext} from './context.js';
import {loadCheckedConfig} from './load-config.js';
import {runPass, type PassOutcome} from './pass.js';

export const DEFAULT_CONFIG = 'watchdog.config.yaml';

const SYNOPSIS = '[--config FILE] [--dry-run]';

/** The config file a subcommand uses: --config FILE, else watchdog.config.yaml in the cwd. */
export function configPath(values: Map<string, string | true>, cwd: string): string {
  const value = values.get('config');
  return resolve(cwd, typeof value === 'string' ? value : DEFAULT_CONFIG);
}

/** The exit code for a pass outcome, or the fatal error that explains it. */
export function outcomeCode(outcome: PassOutcome, stateDir: string): number {
  switch (outcome.kind) {
    case 'completed':
      return EXIT_OK;
    case 'uninspectable':
      throw new FatalError(`unable to inspect the system: ${outcome.reason}; restarted nothing`);
    case 'busy':
      throw new FatalError(
        `unable to lock ${stateDir}/lock: another keepup run held it for ${Math.round(outcome.waitedMs / 1000)} s; restarted nothing`,
      );
  }
}

export const checkCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  summary: 'one pass: restart every configured daemon missing from the process table',
  async run(args, context) {
    const values = parseLongOptions('keepup', args, {config: 'value', 'dry-run': 'flag', help: 'flag'}, `keepup check ${SYNOPSIS}`);
    const uids = trustedUids(context.uid);
    const {config, warnings} = loadCheckedConfig(configPath(values, context.cwd), {uid: context.uid, uids, env: context.env});
    for (const warning of warnings) context.reporter.warn(warning);
    const outcome = await runPass(
      config,
      {time: context.time, selfPid: context.pid, procRoot: context.procRoot, uids, host: context.host, reporter: context.reporter, env: context.env},
      {dryRun: values.has('dry-run')},
    );
    if (outcome.kind === 'completed' && outcome.output !== '') context.out(outcome.output);
    return outcomeCode(outcome, config.stateDir);
  },
};
