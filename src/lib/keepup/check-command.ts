import {parseLongOptions} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {configLoader} from '../watchdog/load-config.js';
import {configPath, passContext, type KeepupContext} from './context.js';
import {passAndReport} from './pass-report.js';
import {LastRun} from '../http/last-run.js';
import {HELP} from './help.js';

const SYNOPSIS = HELP.check.synopsis;

export const checkCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  summary: HELP.check.summary,
  options: HELP.check.options,
  async run(args, context) {
    const values = parseLongOptions('keepup', args, {config: 'value', 'dry-run': 'flag', help: 'flag'}, `keepup check ${SYNOPSIS}`);
    const {uids, load} = configLoader(configPath(values, context.cwd), context);
    const config = load();
    const passes = new LastRun();
    const pass = {...passContext(context, uids), onPassCompleted: (started: number, ended: number) => passes.record(started, ended)};
    const code = await passAndReport(config, pass, context.out, {dryRun: values.has('dry-run')});
    // prom-client and the rest of the metrics code load only when there is a file to write.
    if (!values.has('dry-run') && config.metricsFile !== undefined) await (await import('../http/observe.js')).writeMetricsFile(config, pass, passes);
    return code;
  },
};
