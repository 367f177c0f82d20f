import {parseLongOptions} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {configLoader} from '../watchdog/load-config.js';
import {configPath, passContext, type KeepupContext} from './context.js';
import {passAndReport} from './pass-report.js';
import {LastRun} from '../http/metrics.js';
import {writeMetricsFile} from '../http/observe.js';

const SYNOPSIS = '[--config FILE] [--dry-run]';

export const checkCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  options: [
    ['--config FILE', 'the config (default: watchdog.config.yaml in the current directory)'],
    ['--dry-run', 'say for each daemon whether it runs or which script would run; start, lock, write and mail nothing'],
  ],
  summary: 'one pass: restart every configured daemon missing from the process table',
  async run(args, context) {
    const values = parseLongOptions('keepup', args, {config: 'value', 'dry-run': 'flag', help: 'flag'}, `keepup check ${SYNOPSIS}`);
    const {uids, load} = configLoader(configPath(values, context.cwd), context);
    const config = load();
    const passes = new LastRun();
    const pass = {...passContext(context, uids), onPassCompleted: (started: number, ended: number) => passes.record(started, ended)};
    const code = await passAndReport(config, pass, context.out, {dryRun: values.has('dry-run')});
    if (!values.has('dry-run')) await writeMetricsFile(config, pass, passes);
    return code;
  },
};
